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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayoutsExampleTest {
    @Test
    void paysOutCompletesAndFails_andASecondRunPaysNobodyTwice(@TempDir Path directory) {
        TestClock clock = TestClock.at(TestClock.DEFAULT_START);
        String first = run(directory, clock).replaceAll(" +", " ");
        // ada earned 300 x 0.15 (100 at 1.0x, 200 at 1.2x): 15 + 36 = $51.00.
        assertThat(first).contains("ada 51.000000000000 0.000000000000 0.000000000000 51.000000000000");
        assertThat(first).contains("ada $51.00 WOULD_CREATE -");
        assertThat(first).contains("sofia $1.02 BELOW_THRESHOLD -");
        assertThat(first).containsPattern("ada \\$51\\.00 CREATED #\\d+ PENDING 2026-03:ada");
        assertThat(first).contains("FAILED: the bank rejected the account number");
        assertThat(first).contains("and a completed payout cannot fail afterwards");
        assertThat(first).contains("PENDING -> COMPLETED by finance-anna: wire 2026-03-A");

        String second = run(directory, clock).replaceAll(" +", " ");
        assertThat(second).contains("ada $0.00 ALREADY_CREATED").doesNotContain(" CREATED #");
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory.resolve("db")).clock(clock).build()) {
            Caller admin = Caller.admin("test");
            assertThat(earnings.analytics().balance(admin, "ada")).hasPaidOut("51").hasAvailable("0");
            assertThat(earnings.analytics().balance(admin, "lin")).hasPaidOut("0").hasAvailable("23.8");
        }
    }

    private static String run(Path directory, TestClock clock) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PayoutsExample.run(directory.resolve("db"), clock, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
