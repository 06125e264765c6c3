package dev.earnings.examples.host;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.ReversalRequest;
import dev.earnings.jdbc.UsageRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The example hosts' demo data: two creators, four models and a few weeks of uses, a paid and a
 * pending payout and one refunded use, loaded once per database by the demo admin, so the audit
 * log has their entries under that admin's name. The example host on the JDK's server and the
 * Spring Boot example both load it, so their pages show the same figures.
 */
public final class DemoData {
    /**
     * Full UTC days a use's earnings are held after the use's day: the time a host would give its
     * fraud review, and what makes the dashboard show a held amount beside the available one. A
     * host that loads the demo data builds its {@link Earnings} with this many days.
     */
    public static final int HOLD_DAYS = 1;
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
     * Loads the demo data unless this database has it already, so that a host can call it on
     * every start and a restart keeps what was done since (payouts made, uses reversed).
     *
     * @param earnings the library, on the database to load into
     * @param clock the clock the uses' times are counted back from: the last 31 days, today's included
     */
    public static void load(Earnings earnings, Clock clock) {
        if (earnings.models().find("anime-diffusion").isPresent()) {
            return; // loaded on an earlier start
        }
        Caller admin = Caller.admin(Credentials.DEMO.get("demo-admin").id());
        for (Map.Entry<String, String[]> m : MODELS.entrySet()) {
            earnings.models().register(admin, m.getKey(), m.getValue()[0],
                    ModelPricing.of(m.getValue()[1], m.getValue()[2]));
        }
        Instant now = clock.instant();
        String[] types = {"image_generation", "chat", "other"};
        List<String> ids = new ArrayList<>(MODELS.keySet());
        for (int day = 30; day >= 0; day--) {
            List<UsageRequest> batch = new ArrayList<>();
            int uses = 20 + (30 - day) * 2;
            for (int i = 0; i < uses; i++) {
                String model = ids.get((i * 7 + day) % (i % 3 == 0 ? 4 : 2));
                batch.add(UsageRequest.builder("user-" + (i * 13 + day) % 40, model).tokensConsumed((i * 37L) % 800)
                        .usageType(types[i % 3]).occurredAt(now.minus(Duration.ofDays(day)).minus(Duration.ofMinutes(i)))
                        // Named by day and place, so the admin page can reverse one by its eventId.
                        .eventId("demo-d" + day + "-" + i).build());
            }
            earnings.logModelUsageBatch(batch);
        }
        // A paid month for ada and a pending payout for lin, so the transaction lists show something.
        Payout paid = earnings.payouts().create(admin, PayoutRequest.of("ada", 500, "demo-previous-month").note("demo payout"));
        earnings.payouts().complete(admin, paid.id(), "demo wire");
        earnings.payouts().create(admin, PayoutRequest.of("lin", 100, "demo-this-month").note("demo payout"));
        // A refund, so the dashboard marks a reversed use and nets it out, and the audit log has one.
        earnings.reversals().reverse(admin, ReversalRequest.whole(REFUNDED_USE, REFUND_CORRECTION, REFUND_REASON));
    }
}
