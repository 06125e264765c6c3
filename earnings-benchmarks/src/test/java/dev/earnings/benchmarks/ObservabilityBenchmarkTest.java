package dev.earnings.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The observability benchmark, in a few seconds on H2: its figures mean something only if the
 * instances with metrics and tracing really counted and traced every call. The benchmark checks
 * that at its end; this runs it, so that a change of the library or of the SDK that breaks it
 * fails the build instead of a later run of the benchmark.
 */
class ObservabilityBenchmarkTest {
    @Test
    void everyInstanceSeesEveryCallItShould() throws Exception {
        assertTrue(ObservabilityBenchmark.run(Map.of("databases", "h2", "threads", "2", "seconds", "0.2",
                "warmup-seconds", "0.1", "rounds", "1", "batch", "20", "models", "10", "read-uses", "2000")));
    }
}
