package dev.earnings.examples;

import dev.earnings.core.ModelPricing;
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
import dev.earnings.jdbc.PayoutStatus;
import dev.earnings.jdbc.TransactionSummary;
import dev.earnings.jdbc.UsageRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The admin's payout workflow: balances, a bulk dry run, the bulk payout, completing and failing
 * payouts, and the balances after.
 *
 * <p>It runs on its own embedded database in {@code earnings-payouts-data/}; a second run finds the
 * month's batch already paid and pays nobody twice.
 */
public final class PayoutsExample {
    private static final Caller ADMIN = Caller.admin("finance-anna");
    private static final String[] CREATORS = {"ada", "lin", "omar", "sofia"};

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
     * @param clock the clock the library runs on
     * @param out where to print
     */
    public static void run(Path directory, Clock clock, PrintStream out) {
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory).clock(clock).build()) {
            // Four creators whose models earned different amounts: $45, $21, $7.20 and $0.90.
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
    }

    private static void printBalances(Earnings earnings, PrintStream out) {
        Tables table = Tables.of("creator", "earned", "pending", "paid out", "available").right(1, 2, 3, 4);
        for (String creator : CREATORS) {
            Balance b = earnings.analytics().balance(ADMIN, creator);
            table.row(creator, b.earned().amount().toPlainString(), b.pending().amount().toPlainString(),
                    b.paidOut().amount().toPlainString(), b.available().amount().toPlainString());
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
