package dev.earnings.testkit;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.UsageRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the data a test needs in a few lines: creators with models, models driven to a tier,
 * bursts of uses over a date range.
 *
 * <pre>{@code
 * ModelFixture model = fixtures.creator("ada").model("anime", "0.01", "0.0001");
 * model.driveTo(100);                 // the next use is the 101st: tier 2
 * model.burst(300, LocalDate.of(2026, 2, 1), LocalDate.of(2026, 3, 1));
 * }</pre>
 */
public final class Fixtures {
    private static final int BATCH = 1_000;

    private final Earnings earnings;
    private final TestClock clock;

    /**
     * Fixtures writing through {@code earnings}, whose clock is {@code clock}.
     *
     * @param earnings the library instance
     * @param clock the clock it runs on; bursts move it and put it back
     */
    public Fixtures(Earnings earnings, TestClock clock) {
        this.earnings = Objects.requireNonNull(earnings, "earnings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A creator, to register models for.
     *
     * @param creatorId the creator's id
     * @return the creator's fixture
     */
    public CreatorFixture creator(String creatorId) {
        return new CreatorFixture(creatorId);
    }

    /** A creator whose models the test registers. */
    public final class CreatorFixture {
        private final String creatorId;

        private CreatorFixture(String creatorId) {
            this.creatorId = creatorId;
        }

        /**
         * Registers a monetized model of this creator.
         *
         * @param modelId the model
         * @param earningsPerUse the flat price per use, such as {@code "0.01"}
         * @param earningsPerToken the price per token, such as {@code "0.0001"}
         * @return the model's fixture
         */
        public ModelFixture model(String modelId, String earningsPerUse, String earningsPerToken) {
            Model model = earnings.models().register(modelId, creatorId, ModelPricing.of(earningsPerUse, earningsPerToken));
            return new ModelFixture(model);
        }

        /**
         * The creator's id.
         *
         * @return the id
         */
        public String id() {
            return creatorId;
        }
    }

    /** A registered model the test records uses of. */
    public final class ModelFixture {
        private final Model model;

        private ModelFixture(Model model) {
            this.model = model;
        }

        /**
         * The model as registered.
         *
         * @return the model
         */
        public Model model() {
            return model;
        }

        /**
         * The model's id.
         *
         * @return the id
         */
        public String id() {
            return model.modelId();
        }

        /**
         * Records counted uses until the model has {@code countedUses} of them, so the next use
         * falls in the tier that follows: {@code driveTo(100)} makes the next use the 101st (1.2x
         * by default). Uses are chat uses with no tokens, by users that are not the creator, now.
         *
         * @param countedUses the counted uses the model should have, not fewer than it has
         * @return this fixture
         */
        public ModelFixture driveTo(long countedUses) {
            long have = earnings.analytics().modelReport(dev.earnings.jdbc.Caller.admin("testkit"), id(),
                    dev.earnings.jdbc.ReportPeriod.lastDays(7), dev.earnings.jdbc.Granularity.DAY).countedUses();
            if (countedUses < have) {
                throw new IllegalArgumentException("model " + id() + " already has " + have + " counted uses, more than "
                        + countedUses);
            }
            record(countedUses - have, i -> UsageRequest.builder("testkit-user-" + (i % 50), id()).usageType("chat").build());
            return this;
        }

        /**
         * Records {@code uses} uses spread evenly over the UTC days {@code [from, to)}, by 20 users,
         * cycling through image_generation, chat and other with up to 999 tokens. The clock is moved
         * to each day while its uses are recorded, and put back afterwards, so any date range works.
         *
         * @param uses how many uses, 1 or more
         * @param from the first day
         * @param to the day after the last
         * @return this fixture
         */
        public ModelFixture burst(int uses, LocalDate from, LocalDate to) {
            long days = ChronoUnit.DAYS.between(from, to);
            if (uses < 1 || days < 1) {
                throw new IllegalArgumentException("burst needs at least one use and one day, not " + uses + " over ["
                        + from + ", " + to + ")");
            }
            Instant saved = clock.instant();
            String[] types = {"image_generation", "chat", "other"};
            try {
                for (long d = 0; d < days; d++) {
                    long first = uses * d / days;
                    long last = uses * (d + 1) / days;
                    Instant noon = from.plusDays(d).atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofHours(12));
                    clock.set(noon);
                    record(last - first, i -> UsageRequest.builder("testkit-user-" + ((first + i) % 20), id())
                            .usageType(types[(int) ((first + i) % 3)]).tokensConsumed((first + i) * 37 % 1000).build());
                }
            } finally {
                clock.set(saved);
            }
            return this;
        }

        private void record(long count, java.util.function.LongFunction<UsageRequest> use) {
            for (long from = 0; from < count; from += BATCH) {
                List<UsageRequest> batch = new ArrayList<>();
                for (long i = from; i < Math.min(count, from + BATCH); i++) {
                    batch.add(use.apply(i));
                }
                BatchResult result = earnings.logModelUsageBatch(batch);
                if (result.rejected() > 0) {
                    throw new IllegalStateException("the fixture's uses were rejected: " + result.items().stream()
                            .filter(item -> item.error().isPresent()).findFirst().orElseThrow().error().get().getMessage());
                }
            }
        }
    }
}
