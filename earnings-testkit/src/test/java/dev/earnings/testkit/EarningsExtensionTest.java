package dev.earnings.testkit;

import static dev.earnings.testkit.EarningsAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.NoEarningsReason;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.ReportPeriod;
import java.time.Duration;
import java.time.LocalDate;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EarningsExtensionTest {
    @RegisterExtension
    final EarningsExtension extension = EarningsExtension.h2();

    @Test
    void eachTest_getsAFreshMigratedDatabase(Earnings earnings) {
        Assertions.assertThat(earnings.models().find("anime")).isEmpty();
        earnings.models().register("anime", "ada", dev.earnings.core.ModelPricing.of("0.01", "0"));
        Assertions.assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }

    @Test
    void anotherTest_doesNotSeeTheFirstTestsData(Earnings earnings) {
        Assertions.assertThat(earnings.models().find("anime")).isEmpty();
    }

    @Test
    void driveTo_putsTheNextUseInTheNextTier(Earnings earnings, Fixtures fixtures) {
        fixtures.creator("ada").model("anime", "0.01", "0").driveTo(100);
        assertThat(earnings.logModelUsage("u1", "anime", 0, "image_generation", null))
                .earned("0.012").atTier(2).hasOrdinal(101);
    }

    @Test
    void assertionFailures_explainTheResult(Earnings earnings, Fixtures fixtures) {
        fixtures.creator("ada").model("anime", "0.01", "0.0001");
        var use = earnings.logModelUsage("u1", "anime", 50, "chat", null);
        assertThatThrownBy(() -> assertThat(use).earned("0.02"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected the use to earn 0.02 but it earned 0.012000000000")
                .hasMessageContaining("(0.01 + 50 tokens x 0.0001) x 1 (tier 1, from 0 prior uses) x 0.8 (chat)");
        assertThatThrownBy(() -> assertThat(use).atTier(3)).hasMessageContaining("tier 3");
        assertThat(earnings.logModelUsage("ada", "anime", 0, "chat", null)).earnedNothingBecause(NoEarningsReason.SELF_USE);
    }

    @Test
    void theClock_drivesNowAndTheWindow(Earnings earnings, Fixtures fixtures, TestClock clock) {
        fixtures.creator("ada").model("anime", "0.01", "0");
        clock.advance(Duration.ofDays(3));
        Assertions.assertThat(earnings.logModelUsage("u1", "anime", 0, "chat", null).occurredAt())
                .isEqualTo(TestClock.DEFAULT_START.plus(Duration.ofDays(3)));
    }

    @Test
    void burst_spreadsUsesOverDaysAndLeavesTheClockWhereItWas(Earnings earnings, Fixtures fixtures, TestClock clock) {
        fixtures.creator("ada").model("anime", "0.01", "0").burst(90, LocalDate.of(2026, 1, 1), LocalDate.of(2026, 3, 1));
        Assertions.assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START);
        var dashboard = earnings.analytics().creatorDashboard(Caller.creator("ada"), "ada",
                DashboardQuery.of(ReportPeriod.between(LocalDate.of(2026, 1, 1), LocalDate.of(2026, 2, 1))));
        assertThat(dashboard).hasUses(47).hasTopModel("anime");
        assertThat(earnings.analytics().balance(Caller.creator("ada"), "ada")).hasPending("0").hasPaidOut("0");
        Assertions.assertThat(earnings.verifyIntegrity().isClean()).isTrue();
    }
}
