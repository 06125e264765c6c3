package dev.earnings.examples.host;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.ReversalRequest;
import dev.earnings.jdbc.UsageRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The example hosts' demo data: two creators, four models and ten weeks of uses with a weekly
 * rhythm (busier on weekdays, quieter at weekends, growing over the weeks), a paid and a pending
 * payout and one refunded use, loaded once per database by the demo admin, so the audit log has
 * their entries under that admin's name. So that the insights have something to show, the models
 * are registered ten weeks ago (a forecast fits the weeks since, an alert compares a day with the
 * four weeks before it), one day of sketch-xl's was unusually busy, the last week's days are
 * checked for alerts, ada has a goal for the current month, and ada's two models are close to
 * their next tier, which the recommendations point out. The example host on the JDK's server
 * and the Spring Boot example both load it, so their pages show the same figures.
 *
 * <p>The library dates a model's registration and its uses by its own clock, and takes uses up to
 * 35 days old only; so the history is recorded day by day on a clock that the loading sets back and
 * walks forwards to now ({@link #clock(Clock)}), as if the host had been running for ten weeks.
 */
public final class DemoData {
    /**
     * Full UTC days a use's earnings are held after the use's day: the time a host would give its
     * fraud review, and what makes the dashboard show a held amount beside the available one. A
     * host that loads the demo data builds its {@link Earnings} with this many days.
     */
    public static final int HOLD_DAYS = 1;
    /** The days of uses: today and the 69 before it. */
    static final int HISTORY_DAYS = 70;
    /** The unusual day, this many days before today, and its model: a burst of image generations. */
    static final int SPIKE_DAY = 5;
    static final String SPIKE_MODEL = "sketch-xl";
    static final int SPIKE_USES = 40;
    /** The completed days checked for alerts at load: the week before today. */
    static final int CHECKED_DAYS = 7;
    /** ada's earnings target for the current UTC month. */
    static final BigDecimal GOAL_TARGET = new BigDecimal("30.00");
    /** The share of a day's uses by weekday, Monday to Sunday, in percent. */
    private static final int[] WEEKLY = {110, 115, 110, 105, 100, 70, 65};
    private static final String[] TYPES = {"image_generation", "chat", "other"};
    /** The demo models: id to creator, price per use and price per token. */
    static final Map<String, String[]> MODELS = models();
    /** The refunded use: the latest of all, today's first, on ada's anime-diffusion. */
    static final String REFUNDED_USE = "demo-d0-0";
    static final String REFUND_CORRECTION = "demo-refund-1";
    static final String REFUND_REASON = "refunded: the generation failed";

    private DemoData() {
    }

    private static Map<String, String[]> models() {
        Map<String, String[]> models = new LinkedHashMap<>();
        models.put("anime-diffusion", new String[] {"ada", "0.01", "0.0001"});
        models.put("sketch-xl", new String[] {"ada", "0.005", "0"});
        models.put("story-chat", new String[] {"lin", "0.002", "0.00002"});
        models.put("voice-clone", new String[] {"lin", "0.03", "0"});
        return Collections.unmodifiableMap(models);
    }

    /**
     * The lines a host prints at start to say where its pages are and whom to sign in as.
     *
     * @param url the host's address, with a trailing slash
     * @return the two lines, the dashboard's and the admin page's, each ending in a line break
     */
    public static String pages(String url) {
        return String.format("  creator dashboard:  %s  (sign in with demo-ada or demo-lin)%n"
                + "  admin page:         %sadmin.html  (sign in with demo-admin)%n", url, url);
    }

    /**
     * The clock a host that loads the demo data builds its {@link Earnings} on: {@code base}'s time,
     * except while {@link #load} records the history, when it stands on the day being recorded.
     *
     * @param base the host's clock, in UTC
     * @return the clock for the library and for {@link #load}
     */
    public static Clock clock(Clock base) {
        return new HistoryClock(base);
    }

    /**
     * How many uses the demo data has on a day, its spike left out: a weekly rhythm on a slow
     * growth, with a little day-to-day variation.
     *
     * @param day how many days before today, 0 to {@link #HISTORY_DAYS} - 1
     * @param date that day's UTC date
     * @return the uses
     */
    static int usesOn(int day, LocalDate date) {
        return (22 + (HISTORY_DAYS - 1 - day) / 3) * WEEKLY[date.getDayOfWeek().getValue() - 1] / 100 + (day * 7) % 13 - 6;
    }

    /**
     * Loads the demo data unless this database has it already, so that a host can call it on
     * every start and a restart keeps what was done since (payouts made, uses reversed).
     *
     * @param earnings the library, built on {@code clock}
     * @param clock the library's clock, made by {@link #clock(Clock)}: the uses' times are counted
     *     back from its now, the last {@value #HISTORY_DAYS} days, today's included
     * @throws IllegalArgumentException if the clock was not made by {@link #clock(Clock)}
     */
    public static void load(Earnings earnings, Clock clock) {
        if (!(clock instanceof HistoryClock history)) {
            throw new IllegalArgumentException("the demo data records its history on the library's clock;"
                    + " build the library on DemoData.clock(clock) and pass that clock");
        }
        if (earnings.models().find("anime-diffusion").isPresent()) {
            return; // loaded on an earlier start
        }
        Caller admin = Caller.admin(Credentials.DEMO.get("demo-admin").id());
        Instant now = clock.instant();
        try {
            // Registered the day before the first uses, as the host would have done then.
            history.travel(Duration.ofDays(HISTORY_DAYS));
            for (Map.Entry<String, String[]> m : MODELS.entrySet()) {
                earnings.models().register(admin, m.getKey(), m.getValue()[0],
                        ModelPricing.of(m.getValue()[1], m.getValue()[2]));
            }
            List<String> ids = new ArrayList<>(MODELS.keySet());
            for (int day = HISTORY_DAYS - 1; day >= 0; day--) {
                history.travel(Duration.ofDays(day));
                Instant at = now.minus(Duration.ofDays(day));
                int uses = usesOn(day, LocalDate.ofInstant(at, ZoneOffset.UTC));
                List<UsageRequest> batch = new ArrayList<>();
                for (int i = 0; i < uses; i++) {
                    String model = ids.get((i * 7 + day) % (i % 3 == 0 ? 4 : 2));
                    batch.add(UsageRequest.builder("user-" + (i * 13 + day) % 40, model).tokensConsumed(200 + (i * 53L) % 300)
                            .usageType(TYPES[i % 3]).occurredAt(at.minus(Duration.ofMinutes(i)))
                            // Named by day and place, so the admin page can reverse one by its eventId.
                            .eventId("demo-d" + day + "-" + i).build());
                }
                if (day == SPIKE_DAY) {
                    for (int k = 0; k < SPIKE_USES; k++) {
                        batch.add(UsageRequest.builder("user-" + k % 40, SPIKE_MODEL).tokensConsumed(0)
                                .usageType("image_generation").occurredAt(at.minus(Duration.ofMinutes(uses + k)))
                                .eventId("demo-spike-" + k).build());
                    }
                }
                earnings.logModelUsageBatch(batch);
            }
        } finally {
            history.travel(Duration.ZERO);
        }
        // A paid month for ada and a pending payout for lin, so the transaction lists show something.
        Payout paid = earnings.payouts().create(admin, PayoutRequest.of("ada", 500, "demo-previous-month").note("demo payout"));
        earnings.payouts().complete(admin, paid.id(), "demo wire");
        earnings.payouts().create(admin, PayoutRequest.of("lin", 100, "demo-this-month").note("demo payout"));
        // A refund, so the dashboard marks a reversed use and nets it out, and the audit log has one.
        earnings.reversals().reverse(admin, ReversalRequest.whole(REFUNDED_USE, REFUND_CORRECTION, REFUND_REASON));
        // The last week's days checked for alerts, as the daily check would have done, oldest first.
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        for (int day = CHECKED_DAYS; day >= 1; day--) {
            earnings.insights().checkAlerts(admin, today.minusDays(day));
        }
        // A goal for this month, for the dashboard's progress bar.
        earnings.insights().setGoal(admin, "ada", YearMonth.from(today), ZoneOffset.UTC, GOAL_TARGET);
    }

    /** A clock on a base clock, set back while the history is recorded. */
    private static final class HistoryClock extends Clock {
        private final Clock base;
        private volatile Duration back = Duration.ZERO;

        HistoryClock(Clock base) {
            this.base = base;
        }

        /** Sets the clock back this far from the base clock's now; zero for now. */
        void travel(Duration back) {
            this.back = back;
        }

        @Override
        public ZoneId getZone() {
            return base.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the demo data's clock keeps its base clock's zone");
        }

        @Override
        public Instant instant() {
            return base.instant().minus(back);
        }
    }
}
