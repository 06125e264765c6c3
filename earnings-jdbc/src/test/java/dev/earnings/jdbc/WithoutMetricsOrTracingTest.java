package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.core.ModelPricing;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Micrometer, OpenTelemetry and JDBI's OpenTelemetry plugin are optional dependencies: a host
 * without them runs every part of the library, and a host that has them but configures neither
 * option loads none of their classes, so nothing is recorded or traced. Each run is a JVM of its
 * own (as {@link EmbeddedWithoutH2Test} runs without H2), driving the same traffic through a probe.
 */
class WithoutMetricsOrTracingTest {
    /** Records, batches, reads a dashboard, pays out, writes through a recorder and polls a consumer. */
    public static final class Traffic {
        public static void main(String[] args) throws Exception {
            try (Earnings earnings = Earnings.builder().embeddedDatabase(Path.of(args[0])).useRecordedEvents(true).build()) {
                earnings.models().register("model-1", "creator-1", ModelPricing.of("1", "0"));
                earnings.logModelUsage("user-1", "model-1", 0, "image_generation", null);
                BatchResult batch = earnings.logModelUsageBatch(List.of(
                        UsageRequest.builder("user-2", "model-1").usageType("image_generation").build(),
                        UsageRequest.builder("user-3", "model-1").usageType("image_generation").build()));
                try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.builder()
                        .flushInterval(Duration.ZERO).build())) {
                    recorder.logModelUsage("user-4", "model-1", 0, "image_generation", null).get(30, TimeUnit.SECONDS);
                }
                Caller admin = Caller.admin("admin-1");
                CreatorDashboard dashboard = earnings.analytics().creatorDashboard(admin, "creator-1",
                        DashboardQuery.of(ReportPeriod.lastDays(7)));
                Payout payout = earnings.payouts().create(admin, PayoutRequest.of("creator-1", 100, "probe-1"));
                earnings.payouts().complete(admin, payout.id(), null);
                List<String> handled = new ArrayList<>();
                EventConsumer consumer = earnings.events().consumer("probe", e -> handled.add(e.type().name()))
                        .startFrom(EventConsumer.Start.BEGINNING).build();
                consumer.pollOnce();
                System.out.println("TRAFFIC batch=" + batch.recorded() + " earned="
                        + earnings.analytics().balance(admin, "creator-1").earned().amount().stripTrailingZeros().toPlainString()
                        + " dashboard=" + (dashboard != null) + " events=" + handled.size());
            }
        }
    }

    static String run(String classPath, Path dir, String... jvmArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of(Traffic.class.getName(), dir.resolve("earnings-data").toString()));
        Path output = dir.resolve("probe.log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the probe finished").isTrue();
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    private static final String TRAFFIC = "TRAFFIC batch=2 earned=4 dashboard=true events=6\n";

    @Test
    void withoutMicrometerOrOpenTelemetryOnTheClassPath_everyPartOfTheLibraryRuns(@TempDir Path dir) throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("micrometer") && !entry.contains("opentelemetry"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).doesNotContain("micrometer").doesNotContain("opentelemetry");

        String printed = run(classPath, dir);

        assertThat(printed).as("what the probe printed").contains(TRAFFIC).doesNotContain("Exception")
                .doesNotContain("Error");
    }

    @Test
    void withBothOnTheClassPathAndNeitherConfigured_noneOfTheirClassesLoads(@TempDir Path dir) throws Exception {
        String classPath = System.getProperty("java.class.path");
        assertThat(classPath).contains("micrometer-core").contains("opentelemetry-api");

        String printed = run(classPath, dir, "-verbose:class");

        assertThat(printed).as("what the probe printed").contains(TRAFFIC);
        List<String> loaded = printed.lines().filter(line -> line.startsWith("[") && line.contains("class,load")).toList();
        assertThat(loaded).as("the classes the JVM loaded").anyMatch(line -> line.contains("dev.earnings.jdbc.Earnings "));
        assertThat(loaded).noneMatch(line -> line.contains("io.micrometer") || line.contains("io.opentelemetry")
                || line.contains("org.jdbi.v3.opentelemetry") || line.contains("MicrometerMetrics")
                || line.contains("OpenTelemetryTracing"));
    }
}
