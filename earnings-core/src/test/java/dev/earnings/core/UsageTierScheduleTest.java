package dev.earnings.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class UsageTierScheduleTest {
    private static final UsageTierSchedule DEFAULTS = UsageTierSchedule.defaults();

    @Test
    void defaultsAreTheContractTable() {
        assertThat(DEFAULTS.tiers()).extracting(UsageTier::fromPriorUses).containsExactly(0L, 100L, 1_000L, 5_000L, 10_000L);
        assertThat(DEFAULTS.tiers()).extracting(t -> t.multiplier().toPlainString()).containsExactly("1", "1.2", "1.5", "2", "2.5");
        assertThat(DEFAULTS.tiers()).extracting(UsageTier::index).containsExactly(1, 2, 3, 4, 5);
        assertThat(DEFAULTS.tiers().get(1).firstOrdinal()).isEqualTo(101);
    }

    @Test
    void tierOf_prior99_is1_0x_prior100_is1_2x() {
        assertThat(DEFAULTS.tierFor(99).index()).isEqualTo(1);
        assertThat(DEFAULTS.tierFor(100).index()).isEqualTo(2);
        assertThat(DEFAULTS.tierFor(Long.MAX_VALUE).index()).isEqualTo(5);
    }

    @Test
    void countsExactlyTheContractsUsesPerTier() {
        int[] perTier = new int[6];
        for (long prior = 0; prior < 12_000; prior++) {
            perTier[DEFAULTS.tierFor(prior).index()]++;
        }
        assertThat(perTier).containsExactly(0, 100, 900, 4_000, 5_000, 2_000);
    }

    @Test
    void usesToNextTierCountsDownAndStopsAtTheLastTier() {
        assertThat(DEFAULTS.usesToNextTier(0)).contains(100L);
        assertThat(DEFAULTS.usesToNextTier(99)).contains(1L);
        assertThat(DEFAULTS.usesToNextTier(100)).contains(900L);
        assertThat(DEFAULTS.usesToNextTier(9_999)).contains(1L);
        assertThat(DEFAULTS.usesToNextTier(10_000)).isEmpty();
        assertThat(DEFAULTS.next(DEFAULTS.tierFor(0))).contains(DEFAULTS.tiers().get(1));
    }

    @Test
    void firstTierMustStartAtZero() {
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(1, "1.0"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("the first tier must start at 0 prior uses, but starts at 1");
    }

    @Test
    void thresholdsMustStrictlyAscend() {
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, "1").tier(100, "2").tier(100, "3"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("tier 3 starts at 100 prior uses; allowed: more than the previous tier's 100")
                .extracting(e -> ((InvalidConfigurationException) e).setting()).isEqualTo("tiers[3].fromPriorUses");
    }

    @Test
    void multipliersMustBePositiveBoundedAndExact() {
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, "0"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("greater than 0");
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, "-1.2"))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, "100.5"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("at most 100");
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, "1.0000000000001"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("13 decimal places");
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, "one"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not a decimal number");
        assertThatThrownBy(() -> UsageTierSchedule.builder().tier(0, (BigDecimal) null))
                .isInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void emptyScheduleIsRefused() {
        assertThatThrownBy(() -> UsageTierSchedule.builder().build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("at least one tier");
    }

    @Test
    void boundaryMultipliersAreAllowed() {
        UsageTierSchedule schedule = UsageTierSchedule.builder()
                .tier(0, "0.000000000001")
                .tier(1, "100")
                .build();
        assertThat(schedule.tierFor(0).multiplier()).isEqualTo(new BigDecimal("0.000000000001"));
        assertThat(schedule.tierFor(1).multiplier()).isEqualTo(new BigDecimal("100"));
        assertThat(schedule).hasToString("UsageTierSchedule[0+: 0.000000000001x, 1+: 100x]");
    }

    @Test
    void tierForWalksDownToTheRightTierOfALongSchedule() {
        UsageTierSchedule schedule = UsageTierSchedule.builder().tier(0, "1").tier(2, "2").tier(4, "3").build();
        assertThat(schedule.tierFor(0).index()).isEqualTo(1);
        assertThat(schedule.tierFor(1).index()).isEqualTo(1);
        assertThat(schedule.tierFor(2).index()).isEqualTo(2);
        assertThat(schedule.tierFor(3).index()).isEqualTo(2);
        assertThat(schedule.tierFor(4).index()).isEqualTo(3);
        UsageTierSchedule single = UsageTierSchedule.builder().tier(0, "1.5").build();
        assertThat(single.tierFor(0).index()).isEqualTo(1);
        assertThat(single.tierFor(Long.MAX_VALUE).index()).isEqualTo(1);
        assertThat(single.usesToNextTier(7)).isEmpty();
    }

    @Test
    void negativePriorUsesAreRefused() {
        assertThatThrownBy(() -> DEFAULTS.tierFor(-1))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("priorCountedUses is -1; allowed: 0 or more")
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("priorCountedUses");
    }

    @Test
    void schedulesAreEqualExactlyWhenTheirTiersAre() {
        UsageTierSchedule a = UsageTierSchedule.builder().tier(0, "1").tier(10, "2").build();
        UsageTierSchedule same = UsageTierSchedule.builder().tier(0, "1.0").tier(10, "2.00").build();
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(UsageTierSchedule.builder().tier(0, "1").tier(11, "2").build());
        assertThat(a).isNotEqualTo(UsageTierSchedule.builder().tier(0, "1").tier(10, "2.5").build());
        assertThat(a).isNotEqualTo(UsageTierSchedule.builder().tier(0, "1").build());
        assertThat(a.hashCode()).isNotEqualTo(UsageTierSchedule.builder().tier(0, "1").tier(10, "3").build().hashCode());
        assertThat(a).isNotEqualTo(a.tiers());
        assertThat(UsageTierSchedule.defaults()).isEqualTo(UsageTierSchedule.builder()
                .tier(0, "1").tier(100, "1.2").tier(1_000, "1.5").tier(5_000, "2").tier(10_000, "2.5").build());
    }

    @Test
    void tiersRefuseABadIndexThresholdOrMultiplier() {
        assertThatThrownBy(() -> new UsageTier(0, 0, BigDecimal.ONE))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("tier index is 0; allowed: 1 or more");
        assertThatThrownBy(() -> new UsageTier(2, -1, BigDecimal.ONE))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("tier 2 starts at -1 prior uses; allowed: 0 or more")
                .extracting(e -> ((InvalidConfigurationException) e).setting()).isEqualTo("tiers[2].fromPriorUses");
        assertThatThrownBy(() -> new UsageTier(3, 5, BigDecimal.ZERO))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("tier 3 needs a positive multiplier")
                .extracting(e -> ((InvalidConfigurationException) e).setting()).isEqualTo("tiers[3].multiplier");
        assertThatThrownBy(() -> new UsageTier(1, 0, new BigDecimal("-0.5")))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> new UsageTier(1, 0, null))
                .isInstanceOf(InvalidConfigurationException.class);
        UsageTier smallest = new UsageTier(1, 0, new BigDecimal("0.000000000001"));
        assertThat(smallest.firstOrdinal()).isEqualTo(1);
    }

    @Test
    void multipliersMayDescend() {
        UsageTierSchedule schedule = UsageTierSchedule.builder().tier(0, "2").tier(10, "1").build();
        assertThat(schedule.tierFor(10).multiplier()).isEqualByComparingTo("1");
        assertThat(schedule).isEqualTo(UsageTierSchedule.builder().tier(0, "2.0").tier(10, "1.00").build());
        assertThat(schedule).hasToString("UsageTierSchedule[0+: 2x, 10+: 1x]");
    }
}
