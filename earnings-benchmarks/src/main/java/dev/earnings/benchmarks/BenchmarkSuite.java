package dev.earnings.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The whole side-by-side benchmark in one process and one run: ingestion by every contender on
 * H2 and PostgreSQL, spread over 1,000 models and all on one model, each scenario followed by
 * {@code verifyIntegrity()}; then the creator dashboard and the admin overview at 1 and 10
 * million usage rows against the same figures computed from the raw rows.
 *
 * <p>Run: {@code java -cp earnings-benchmarks/target/benchmarks.jar dev.earnings.benchmarks.BenchmarkSuite}.
 * It takes the options of {@link IngestionBenchmark} and {@link DashboardBenchmark}; {@code --databases}
 * chooses the databases of the ingestion part (default both) and {@code --dashboard-databases}
 * those of the dashboard part (default PostgreSQL, the production database; on H2, generating
 * 1 million rows alone takes about two minutes, and 10 million proportionally longer). It exits
 * with status 2 on any drift.
 */
public final class BenchmarkSuite {
    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = IngestionBenchmark.Options.parse(args, IngestionBenchmark.Options.INGESTION,
                DashboardBenchmark.OPTIONS, List.of("dashboard-databases"));
        long started = System.nanoTime();
        boolean clean = IngestionBenchmark.run(options);
        if (!clean) {
            // Dashboards over data the library could not keep exact would time the wrong thing.
            System.out.println("FAILED: verifyIntegrity() found drift; see above");
            System.exit(2);
        }
        System.out.println();
        try {
            DashboardBenchmark.run(Arrays.asList(options.getOrDefault("dashboard-databases", "postgresql").split(",")),
                    options);
        } catch (IllegalStateException e) {
            // The generated rows did not verify, or a timed call failed.
            e.printStackTrace();
            System.out.println("FAILED: " + e.getMessage());
            System.exit(2);
        }
        System.out.printf("%nBenchmark suite done in %.0f s%n", (System.nanoTime() - started) / 1e9);
    }
}
