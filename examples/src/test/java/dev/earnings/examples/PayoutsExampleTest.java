package dev.earnings.examples;

import static dev.earnings.testkit.EarningsAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.testkit.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class PayoutsExampleTest {
    @Test
    @Timeout(120)
    void paysOutCompletesAndFails_refundsAfterThePayout_runsTheSchedule_andASecondRunPaysNobodyTwice(
            @TempDir Path directory) {
        // A clock that moves, from the test clock's start: the payout schedule's periods fall due by it.
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), TestClock.DEFAULT_START));
        String first = run(directory, clock).replaceAll(" +", " ");
        // ada earned 300 x 0.15 (100 at 1.0x, 200 at 1.2x): 15 + 36 = $51.00.
        assertThat(first).contains("ada 51.000000000000 0.000000000000 0.000000000000 51.000000000000 0.000000000000");
        assertThat(first).contains("ada $51.00 WOULD_CREATE -");
        assertThat(first).contains("sofia $1.02 BELOW_THRESHOLD -");
        assertThat(first).containsPattern("ada \\$51\\.00 CREATED #\\d+ PENDING 2026-03:ada");
        assertThat(first).contains("FAILED: the bank rejected the account number");
        assertThat(first).contains("and a completed payout cannot fail afterwards");
        assertThat(first).contains("PENDING -> COMPLETED by finance-anna: wire 2026-03-A");

        // The refund of a paid use ($0.15 x 1.2) leaves ada owing it; five later uses repay it.
        assertThat(first).contains("reversed 0.180000000000; 0.000000000000 of the use remains",
                "ada: available -0.180000000000, owes 0.180000000000, largest payout possible $0.00",
                "ada: available 0.720000000000, owes 0.000000000000, largest payout possible $0.72");
        assertThat(first).doesNotContain("on an earlier run");
        assertThat(first).contains("ada 51.720000000000 0.000000000000 51.000000000000 0.720000000000 0.000000000000");

        // The schedule pays lin (whose payout failed) and omar, at or above its $5.00 minimum, once.
        assertThat(first).containsPattern("the run for period 2026-03-10T12:\\d\\d:\\d\\dZ created 2 payouts:");
        assertThat(first).containsPattern("#\\d+ lin \\$23\\.80 PENDING every-2s:2026-03-10T12:\\d\\d:\\d\\dZ:lin schedule:every-2s");
        assertThat(first).containsPattern("#\\d+ omar \\$8\\.16 PENDING every-2s:2026-03-10T12:\\d\\d:\\d\\dZ:omar schedule:every-2s");
        assertThat(first).contains("below the minimum, left for a later period: ada $0.72, sofia $1.02");

        String second = run(directory, clock).replaceAll(" +", " ");
        assertThat(second).contains("ada $0.72 ALREADY_CREATED").doesNotContain(" CREATED #");
        assertThat(second).contains("(on an earlier run", "reversed 0.180000000000; 0.000000000000 of the use remains",
                "ada: available 0.720000000000, owes 0.000000000000");
        assertThat(second).containsPattern("the run for period \\S+ created no payouts");
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory.resolve("db")).clock(clock).build()) {
            Caller admin = Caller.admin("test");
            assertThat(earnings.analytics().balance(admin, "ada")).hasEarned("51.72").hasPaidOut("51").hasAvailable("0.72");
            assertThat(earnings.analytics().balance(admin, "lin")).hasPending("23.8").hasPaidOut("0").hasAvailable("0");
            assertThat(earnings.analytics().balance(admin, "omar")).hasPending("8.16").hasAvailable("0");
            assertThat(earnings.analytics().balance(admin, "sofia")).hasPending("0").hasAvailable("1.02");
        }
    }

    private static String run(Path directory, Clock clock) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PayoutsExample.run(directory.resolve("db"), clock, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
