package dev.earnings.examples;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.AuditEntry;
import dev.earnings.jdbc.AuditQuery;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IllegalPayoutTransitionException;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutEvent;
import dev.earnings.jdbc.PayoutResult;
import dev.earnings.jdbc.PayoutSchedule;
import dev.earnings.jdbc.PayoutStatus;
import dev.earnings.jdbc.Reversal;
import dev.earnings.jdbc.ReversalRequest;
import dev.earnings.jdbc.TransactionSummary;
import dev.earnings.jdbc.UsageRequest;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The admin's payout workflow: balances, a bulk dry run, the bulk payout, completing and failing
 * payouts, a refund after a payout that leaves a creator owing the platform until later earnings
 * repay it, the balances after, and then the same work done by a payout schedule.
 *
 * <p>It runs on its own embedded database in {@code earnings-payouts-data/}; a second run finds the
 * month's batch already paid and pays nobody twice, and finds the refund already made.
 */
public final class PayoutsExample {
    private static final Caller ADMIN = Caller.admin("finance-anna");
    private static final String[] CREATORS = {"ada", "lin", "omar", "sofia"};
    /** The use refunded after its earnings were paid out: one of ada's last, at $0.18. */
    private static final String REFUNDED = "payouts-example-ada-model-299";
    /** A schedule that is due every two seconds, so the example sees a run without waiting for a month. */
    private static final PayoutSchedule SCHEDULE = PayoutSchedule.cron("every-2s", "*/2 * * * * *");
    /** Who the schedule's payouts and runs are recorded as, in the payouts and the audit log. */
    private static final String SCHEDULE_ACTOR = "schedule:" + SCHEDULE.name();
    /** The scheduled instance's minimum payout: $5.00, so small balances wait for a later period. */
    private static final long MINIMUM_PAYOUT_MINOR = 500;
    /** How long the example waits for the schedule's first run before it gives up. */
    private static final Duration SCHEDULE_WAIT = Duration.ofSeconds(10);

    private PayoutsExample() {
    }

    /**
     * Runs the example on {@code earnings-payouts-data/}, or on the directory given as the first argument.
     *
     * @param args optionally the database directory
     */
    public static void main(String[] args) {
        run(Path.of(args.length > 0 ? args[0] : "earnings-payouts-data"), Clock.systemUTC(), System.out);
    }

    /**
     * Runs the example.
     *
     * @param directory where the embedded database lives
     * @param clock the clock the library runs on; it must move, since the payout schedule's runs
     *     fall due by it
     * @param out where to print
     * @throws IllegalStateException if the payout schedule has not run within 10 seconds
     */
    public static void run(Path directory, Clock clock, PrintStream out) {
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory).clock(clock).build()) {
            // Four creators whose models earned different amounts: $51, $23.80, $8.16 and $1.02 (each
            // model's first 100 uses at its price, the other 200 in the second tier, at 1.2 times it).
            String[] prices = {"0.15", "0.07", "0.024", "0.003"};
            for (int c = 0; c < CREATORS.length; c++) {
                String model = CREATORS[c] + "-model";
                earnings.models().register(model, CREATORS[c], ModelPricing.of(prices[c], "0"));
                List<UsageRequest> uses = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    // eventIds make the example's uses replay-safe: a second run records nothing new.
                    uses.add(UsageRequest.builder("user-" + i, model).usageType("image_generation")
                            .eventId("payouts-example-" + model + "-" + i).build());
                }
                earnings.logModelUsageBatch(uses.subList(0, 100));
                earnings.logModelUsageBatch(uses.subList(100, 300));
            }
            out.println("Balances before the payout run:");
            printBalances(earnings, out);

            String month = YearMonth.now(clock).toString();
            BulkPayoutResult preview = earnings.payouts().payoutAll(ADMIN, BulkPayoutRequest.of(month).threshold(1_000).dryRun(true));
            out.println("\nDry run: pay everyone with at least $10.00 available (nothing is written):");
            printBulk(preview, out);

            BulkPayoutResult run = earnings.payouts().payoutAll(ADMIN, BulkPayoutRequest.of(month).threshold(1_000));
            out.println("\nThe payout run (batch reference " + month + "; running it again pays nobody twice):");
            printBulk(run, out);

            List<Long> created = new ArrayList<>();
            run.items().forEach(item -> item.payout().filter(p -> p.status() == PayoutStatus.PENDING)
                    .ifPresent(p -> created.add(p.id())));
            if (!created.isEmpty()) {
                List<PayoutResult> completed = earnings.payouts().completeAll(ADMIN, created.subList(0, 1), "wire " + month + "-A");
                List<PayoutResult> failed = earnings.payouts().failAll(ADMIN, created.subList(1, created.size()),
                        "the bank rejected the account number");
                out.println("\nThe bank's answers:");
                for (PayoutResult r : completed) {
                    out.printf("  payout %d: %s%n", r.payoutId(), r.payout().map(p -> p.status().name()).orElse(r.error().orElse("")));
                }
                for (PayoutResult r : failed) {
                    out.printf("  payout %d: %s%n", r.payoutId(), r.payout().map(p -> p.status() + ": "
                            + p.statusReason().orElse("")).orElse(r.error().orElse("")));
                }
                try {
                    earnings.payouts().fail(ADMIN, created.get(0), "too late");
                } catch (IllegalPayoutTransitionException e) {
                    out.println("  and a completed payout cannot fail afterwards: " + e.getMessage());
                }
                out.println("\nHistory of payout " + created.get(0) + ":");
                for (PayoutEvent e : earnings.payouts().history(ADMIN, created.get(0))) {
                    out.printf("  %s  %-9s -> %-9s by %s%s%n", e.at().toString().substring(0, 19), e.from().map(Enum::name)
                            .orElse("(new)"), e.to(), e.actor(), e.reason().map(r -> ": " + r).orElse(""));
                }
            }
            refundAfterPayout(earnings, out);

            out.println("\nBalances after (a failed payout's amount is available again):");
            printBalances(earnings, out);
            TransactionSummary summary = earnings.admin().transactionSummary(ADMIN);
            Tables table = Tables.of("status", "payouts", "amount").right(1, 2);
            for (Map.Entry<PayoutStatus, TransactionSummary.StatusTotal> e : summary.byStatus().entrySet()) {
                table.row(e.getKey(), e.getValue().count(), "$" + e.getValue().amount().amount().setScale(2).toPlainString());
            }
            out.println("\nAll payouts by status:");
            table.print(out);
        }
        scheduledRun(directory, clock, out);
    }

    /**
     * A refund after the payout: one of ada's uses, already paid out, is reversed. ada's available
     * balance goes below zero, so ada owes the platform and no payout is possible; later earnings
     * repay the debt before anything is available again.
     */
    private static void refundAfterPayout(Earnings earnings, PrintStream out) {
        Reversal refund = earnings.reversals().reverse(ADMIN, ReversalRequest.whole(REFUNDED, "refund-" + REFUNDED,
                "the user was refunded: the image never arrived"));
        out.println("\nA refund after the payout: ada's use " + REFUNDED + ", already paid out, is reversed"
                + (refund.replayed() ? " (on an earlier run: a correction id reverses once)" : "") + ":");
        out.printf("  reversed %s; %s of the use remains%n", refund.amount().amount().toPlainString(),
                refund.remaining().amount().toPlainString());
        printDebt(earnings, "ada", out);

        // Later uses of ada's model, replay-safe by eventId like the others.
        List<UsageRequest> later = new ArrayList<>();
        for (int i = 300; i < 305; i++) {
            later.add(UsageRequest.builder("user-" + i, "ada-model").usageType("image_generation")
                    .eventId("payouts-example-ada-model-" + i).build());
        }
        earnings.logModelUsageBatch(later);
        out.println("Five later uses of ada's model earn $0.90, which repays the debt first:");
        printDebt(earnings, "ada", out);
    }

    private static void printDebt(Earnings earnings, String creator, PrintStream out) {
        Balance b = earnings.analytics().balance(ADMIN, creator);
        out.printf("  %s: available %s, owes %s, largest payout possible $%s%n", creator,
                b.available().amount().toPlainString(), b.owed().amount().toPlainString(), dollars(b.availableMinor()));
    }

    /**
     * The same work on a schedule: an instance built with a payout schedule pays every creator at
     * or above its minimum payout once per period, under the batch reference {@code name:period},
     * on whichever instance claims the period. The example waits for one period's run and prints
     * the payouts it created, found in the audit log under the schedule's name.
     */
    private static void scheduledRun(Path directory, Clock clock, PrintStream out) {
        Instant started = clock.instant();
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory).clock(clock)
                .minimumPayoutMinor(MINIMUM_PAYOUT_MINOR).payoutSchedule(SCHEDULE)
                // Look for due periods five times a second: the example should not wait long.
                .payoutSchedulerIntervals(Duration.ofMillis(200), Duration.ofSeconds(1)).build()) {
            out.println("\nThe payout schedule '" + SCHEDULE.name() + "' (cron " + SCHEDULE.cron() + ", UTC), minimum payout $"
                    + dollars(MINIMUM_PAYOUT_MINOR) + ":");
            AuditEntry run = awaitRun(earnings, started);
            String batch = run.targetId();
            List<Payout> created = new ArrayList<>();
            for (AuditEntry e : earnings.admin().auditLog(ADMIN, AuditQuery.all().actor(SCHEDULE_ACTOR)
                    .action(AuditAction.PAYOUT_CREATED).between(started, null).page(0, AuditQuery.MAX_PAGE_SIZE)).items()) {
                earnings.payouts().find(ADMIN, Long.parseLong(e.targetId()))
                        .filter(p -> p.reference().startsWith(batch + ":")).ifPresent(created::add);
            }
            String period = batch.substring(SCHEDULE.name().length() + 1);
            if (created.isEmpty()) {
                out.println("  the run for period " + period + " created no payouts: nobody had the minimum available");
            } else {
                out.println("  the run for period " + period + " created " + created.size() + " payouts:");
                Tables table = Tables.of("payout", "creator", "amount", "status", "reference", "created by").right(2);
                created.stream().sorted(Comparator.comparingLong(Payout::id)).forEach(p -> table.row("#" + p.id(),
                        p.creatorId(), "$" + dollars(p.amountMinor()), p.status(), p.reference(), p.createdBy()));
                table.print(out);
            }
            List<String> waiting = new ArrayList<>();
            for (String creator : CREATORS) {
                long available = earnings.analytics().balance(ADMIN, creator).availableMinor();
                if (available > 0) {
                    waiting.add(creator + " $" + dollars(available));
                }
            }
            out.println("  below the minimum, left for a later period: "
                    + (waiting.isEmpty() ? "nobody" : String.join(", ", waiting)));
            out.println("  (completing the payouts stays with the host, as for any payout)");
        }
    }

    /** Waits for the schedule's first run since {@code since}; its audit entry names the period. */
    private static AuditEntry awaitRun(Earnings earnings, Instant since) {
        long deadline = System.nanoTime() + SCHEDULE_WAIT.toNanos();
        while (true) {
            List<AuditEntry> runs = earnings.admin().auditLog(ADMIN, AuditQuery.all().action(AuditAction.SCHEDULE_RUN)
                    .actor(SCHEDULE_ACTOR).between(since, null)).items();
            if (!runs.isEmpty()) {
                return runs.get(runs.size() - 1); // newest first: the last is the first run
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the payout schedule '" + SCHEDULE.name() + "' did not run within "
                        + SCHEDULE_WAIT.toSeconds() + " s; is the clock moving?");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the payout schedule", e);
            }
        }
    }

    private static String dollars(long minorUnits) {
        return BigDecimal.valueOf(minorUnits, 2).toPlainString();
    }

    private static void printBalances(Earnings earnings, PrintStream out) {
        Tables table = Tables.of("creator", "earned", "pending", "paid out", "available", "owed").right(1, 2, 3, 4, 5);
        for (String creator : CREATORS) {
            Balance b = earnings.analytics().balance(ADMIN, creator);
            table.row(creator, b.earned().amount().toPlainString(), b.pending().amount().toPlainString(),
                    b.paidOut().amount().toPlainString(), b.available().amount().toPlainString(),
                    b.owed().amount().toPlainString());
        }
        table.print(out);
    }

    private static void printBulk(BulkPayoutResult result, PrintStream out) {
        Tables table = Tables.of("creator", "available", "outcome", "payout").right(1);
        for (BulkPayoutResult.Item item : result.items()) {
            Payout p = item.payout().orElse(null);
            table.row(item.creatorId(), String.format("$%d.%02d", item.availableMinor() / 100, item.availableMinor() % 100),
                    item.outcome(), p == null ? "-" : "#" + p.id() + " " + p.status() + " " + p.reference());
        }
        table.print(out);
    }
}
