package dev.earnings.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.testkit.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationExampleTest {
    @Test
    void recordsAMonthAndWritesTheReportAndExports(@TempDir Path directory) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Path report = SimulationExample.run(directory.resolve("sim"), 4_000, TestClock.at(TestClock.DEFAULT_START),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Recording a month of traffic [########################################] 100% 4,000/4,000");
        assertThat(out).contains("4,000 uses of");

        String html = Files.readString(report);
        assertThat(html).contains("<svg id=\"daily\"", "<svg id=\"models\"", "<svg id=\"tiers\"", "Top creators, last 30 days")
                .doesNotContain("http://", "https://", "<script");
        assertThat(html.split("<rect ", -1).length - 1).as("bars in the charts").isGreaterThan(30);

        List<String> usage = Files.readAllLines(directory.resolve("sim/usage.csv"));
        assertThat(usage).hasSize(4_001);
        assertThat(usage.get(0)).startsWith("event_id,occurred_at,model_id");
        BigDecimal sum = usage.stream().skip(1).map(l -> new BigDecimal(l.split(",", -1)[11])).reduce(BigDecimal.ZERO,
                BigDecimal::add);
        assertThat(html).contains("Earned in 30 days<b>" + SimulationExample.usd(sum) + "</b>");

        List<String> payouts = Files.readAllLines(directory.resolve("sim/payouts.csv"));
        assertThat(payouts.get(0)).startsWith("payout_id,creator_id");
        assertThat(payouts).hasSizeGreaterThan(1).allMatch(l -> l.startsWith("payout_id") || l.contains(",PENDING,"));
    }
}
