package dev.earnings.examples;

import static dev.earnings.testkit.EarningsAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.testkit.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuickstartExampleTest {
    @Test
    void printsTheDashboardAndOverview_andASecondRunContinues(@TempDir Path directory) {
        TestClock clock = TestClock.at(TestClock.DEFAULT_START);
        String first = run(directory, clock);
        assertThat(first).contains("anime-diffusion  user-42  0.015000000000 USD = (0.01 + 50 tokens x 0.0001) x 1 (tier 1");
        assertThat(first).contains("because the user is the model's creator (self-use)");
        // 1 + 7 x 170 uses before it: the next one is number 1,192, in tier 3.
        assertThat(first).contains("anime-diffusion's next use is its use number 1192");
        assertThat(first).contains("x 1.5 (tier 3, from 1191 prior uses)");
        assertThat(first).contains("Creator dashboard of ada, last 7 days (2026-03-04 to 2026-03-10)");
        assertThat(first).containsPattern("anime-diffusion +1193 +\\$\\d+\\.\\d{4} +3 +1\\.5x +3808");
        assertThat(first).contains("Admin overview, last 7 days:").contains("creator  lifetime");
        assertThat(first).contains("every total matches to the last digit");

        clock.advance(Duration.ofHours(1));
        String second = run(directory, clock);
        assertThat(second).contains("anime-diffusion's next use is its use number 2384");
        assertThat(second).contains("every total matches to the last digit");

        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory.resolve("db")).clock(clock).build()) {
            var dashboard = earnings.analytics().creatorDashboard(Caller.creator("ada"), "ada",
                    DashboardQuery.of(ReportPeriod.lastDays(7)));
            assertThat(dashboard).hasTopModel("anime-diffusion");
            assertThat(earnings.analytics().balance(Caller.creator("ada"), "ada"))
                    .hasEarned(dashboard.lifetimeEarnings().amount().toPlainString()).hasPending("0");
        }
    }

    private static String run(Path directory, TestClock clock) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        QuickstartExample.run(directory.resolve("db"), clock, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
