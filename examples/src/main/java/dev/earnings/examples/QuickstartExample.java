package dev.earnings.examples;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.UsageRequest;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The first program to run: an embedded database in a local folder, a few creators and models,
 * uses across tiers and types, then a creator's dashboard and the admin overview.
 *
 * <p>The database lives in {@code earnings-data/} under the working directory, so a second run
 * continues where the first stopped.
 */
public final class QuickstartExample {
    private QuickstartExample() {
    }

    /**
     * Runs the quickstart on {@code earnings-data/}, or on the directory given as the first argument.
     *
     * @param args optionally the database directory
     */
    public static void main(String[] args) {
        run(Path.of(args.length > 0 ? args[0] : "earnings-data"), Clock.systemUTC(), System.out);
    }

    /**
     * Runs the quickstart.
     *
     * @param directory where the embedded database lives
     * @param clock the clock the library runs on
     * @param out where to print
     */
    public static void run(Path directory, Clock clock, PrintStream out) {
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory).clock(clock).build()) {
            // Registering on every start is safe: an existing model is returned as it stands.
            earnings.models().register("anime-diffusion", "ada", ModelPricing.of("0.01", "0.0001"));
            earnings.models().register("sketch-xl", "ada", ModelPricing.of("0.005", "0"));
            earnings.models().register("story-chat", "lin", ModelPricing.of("0.002", "0.00002"));
            earnings.models().register("voice-clone", "omar", ModelPricing.of("0.03", "0"));
            out.printf("earnings quickstart: embedded database at %s%n%n", directory.toAbsolutePath());

            out.println("A few uses, one at a time, and why each earned what it did:");
            List<RecordedUse> shown = new ArrayList<>();
            shown.add(earnings.logModelUsage("user-42", "anime-diffusion", 50, "image_generation",
                    Map.of("prompt", "a lighthouse at dawn, watercolor", "steps", 30)));
            shown.add(earnings.logModelUsage("user-7", "story-chat", 1200, "chat", null));
            shown.add(earnings.logModelUsage("user-9", "voice-clone", 0, "other", null));
            shown.add(earnings.logModelUsage("ada", "anime-diffusion", 50, "image_generation", null));
            for (RecordedUse use : shown) {
                out.printf("  %-16s %-8s %s%n", use.modelId(), use.userId(), use.result().explain());
            }

            // A busy week: 1,200 uses of anime-diffusion and some of the others, as one batch a day.
            Instant now = clock.instant();
            for (int day = 6; day >= 0; day--) {
                List<UsageRequest> batch = new ArrayList<>();
                Instant at = now.minus(Duration.ofDays(day)).minus(Duration.ofMinutes(30));
                for (int i = 0; i < 170; i++) {
                    batch.add(use("user-" + (i * 7 + day) % 60, "anime-diffusion", (i * 37) % 400, "image_generation", at));
                }
                for (int i = 0; i < 40; i++) {
                    batch.add(use("user-" + (i + day) % 25, i % 2 == 0 ? "sketch-xl" : "story-chat", (i * 53) % 900,
                            i % 3 == 0 ? "other" : "chat", at));
                }
                earnings.logModelUsageBatch(batch);
            }
            RecordedUse next = earnings.logModelUsage("user-1", "anime-diffusion", 100, "image_generation", null);
            out.printf("%nAfter a busy week, anime-diffusion's next use is its use number %d:%n  %s%n",
                    next.useOrdinal().getAsLong(), next.result().explain());

            printDashboard(earnings, out);
            printAdminOverview(earnings, out);

            IntegrityReport report = earnings.verifyIntegrity();
            out.printf("%nIntegrity: %,d uses of %d models recomputed from the usage rows: %s%n", report.usesChecked(),
                    report.modelsChecked(), report.isClean() ? "every total matches to the last digit" : report.drifts());
        }
    }

    private static UsageRequest use(String user, String model, long tokens, String type, Instant at) {
        return UsageRequest.builder(user, model).tokensConsumed(tokens).usageType(type).occurredAt(at).build();
    }

    private static void printDashboard(Earnings earnings, PrintStream out) {
        CreatorDashboard d = earnings.analytics().creatorDashboard(Caller.creator("ada"), "ada",
                DashboardQuery.of(ReportPeriod.lastDays(7)).limits(5, 5, 5));
        out.printf("%nCreator dashboard of ada, last 7 days (%s to %s):%n", d.range().from(), d.range().to().minusDays(1));
        Tables.of("earned", "uses", "earning uses", "unique users", "active models", "per active model", "lifetime")
                .right(0, 1, 2, 3, 4, 5, 6)
                .row(usd(d.periodEarnings().amount()), d.uses(), d.earningUses(), d.uniqueUsers(), d.activeModels(),
                        usd(d.averageEarningsPerActiveModel().amount()), usd(d.lifetimeEarnings().amount()))
                .print(out);
        out.println();
        Tables models = Tables.of("model", "uses", "earned", "tier", "multiplier", "uses to next tier").right(1, 2, 3, 4, 5);
        for (CreatorDashboard.ModelPerformance m : d.topModels()) {
            models.row(m.modelId(), m.uses(), usd(m.earnings().amount()), m.currentTier(),
                    m.currentMultiplier().toPlainString() + "x",
                    m.usesToNextTier().isPresent() ? m.usesToNextTier().getAsLong() : "top tier");
        }
        models.print(out);
        out.println();
        Tables trend = Tables.of("day", "uses", "earned").right(1, 2);
        for (CreatorDashboard.TrendPoint p : d.trend()) {
            trend.row(p.start(), p.uses(), usd(p.earnings().amount()));
        }
        trend.print(out);
        out.println();
        Tables activity = Tables.of("latest uses", "model", "type", "tokens", "earned", "user").right(3, 4);
        for (CreatorDashboard.Activity a : d.recentActivity()) {
            activity.row(a.occurredAt().toString().substring(0, 16).replace('T', ' '), a.modelId(), a.usageType(),
                    a.tokensConsumed(), a.earnings().amount().toPlainString(), a.userPseudonym());
        }
        activity.print(out);
    }

    private static void printAdminOverview(Earnings earnings, PrintStream out) {
        Caller admin = Caller.admin("quickstart-admin");
        PlatformTotals totals = earnings.admin().platformTotals(admin, ReportPeriod.lastDays(7));
        out.printf("%nAdmin overview, last 7 days: %s earned by %d creators from %,d uses of %d models%n",
                usd(totals.earnings().amount()), totals.creatorsWithUsage(), totals.uses(), totals.modelsWithUsage());
        Page<CreatorOverview> page = earnings.admin().creatorsOverview(admin, CreatorsOverviewQuery.of(ReportPeriod.lastDays(7)).sortedBy(CreatorOverview.Sort.LIFETIME_EARNINGS, true).page(0, 10));
        Tables creators = Tables.of("creator", "lifetime", "last 7 days", "uses", "models", "available").right(1, 2, 3, 4, 5);
        for (CreatorOverview c : page.items()) {
            creators.row(c.creatorId(), usd(c.lifetimeEarnings().amount()), usd(c.periodEarnings().amount()),
                    c.periodUses(), c.models(), usd(c.balance().available().amount()));
        }
        creators.print(out);
    }

    /** For display only: dollars to four places. The stored amounts keep all twelve. */
    static String usd(BigDecimal amount) {
        return "$" + amount.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }
}
