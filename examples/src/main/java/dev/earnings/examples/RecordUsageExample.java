package dev.earnings.examples;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IntegrityReport;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.UsageRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * Records uses on the embedded database, the way a host application does after each generation,
 * and prints what each use earned and why.
 *
 * <p>The database lives in {@code earnings-data/} under the working directory, so a second run
 * continues where the first stopped: ordinals keep growing, and the replayed eventId is recognised.
 */
public final class RecordUsageExample {
    private RecordUsageExample() {
    }

    /**
     * Runs the example on {@code earnings-data/}, or on the directory given as the first argument.
     *
     * @param args optionally the database directory
     */
    public static void main(String[] args) {
        run(Path.of(args.length > 0 ? args[0] : "earnings-data"), System.out);
    }

    /**
     * Runs the example.
     *
     * @param directory where the embedded database lives
     * @param out where to print
     */
    public static void run(Path directory, PrintStream out) {
        try (Earnings earnings = Earnings.builder().embeddedDatabase(directory).build()) {
            // Registering on every start is safe: same creator and pricing return the model unchanged.
            earnings.models().register("anime-diffusion", "creator-ada", ModelPricing.of("0.01", "0.0001"));
            earnings.models().register("story-chat", "creator-lin", ModelPricing.of("0.002", "0.00002"));

            out.printf("Recording uses in the embedded database at %s%n%n", directory.toAbsolutePath());
            out.printf("%-16s %-12s %-17s %7s %8s %6s %16s  %s%n", "model", "user", "type", "tokens", "ordinal",
                    "tier", "earnings (USD)", "note");
            print(out, earnings.logModelUsage("user-42", "anime-diffusion", 50, "image_generation",
                    Map.of("prompt", "a lighthouse at dawn, watercolor", "steps", 30)));
            print(out, earnings.logModelUsage("user-7", "anime-diffusion", 0, "image_generation", null));
            print(out, earnings.logModelUsage("user-42", "story-chat", 1200, "chat", null));
            print(out, earnings.logModelUsage("user-9", "story-chat", 300, "other", null));
            print(out, earnings.logModelUsage("creator-ada", "anime-diffusion", 50, "image_generation", null));

            // A host that retries after a timeout sends the same eventId: the use is recorded once.
            UsageRequest retried = UsageRequest.builder("user-42", "story-chat").tokensConsumed(800)
                    .usageType("chat").eventId("chat-turn-2f9c").build();
            print(out, earnings.logModelUsage(retried));
            print(out, earnings.logModelUsage(retried));

            RecordedUse last = earnings.logModelUsage("user-5", "anime-diffusion", 120, "image_generation", null);
            print(out, last);
            out.printf("%nWhy the last use earned what it did:%n  %s%n", last.result().explain());

            IntegrityReport report = earnings.verifyIntegrity();
            out.printf("%nIntegrity: %d uses of %d models recomputed from the usage rows: %s%n", report.usesChecked(),
                    report.modelsChecked(), report.isClean() ? "every total matches to the last digit" : report.drifts());
        }
    }

    private static void print(PrintStream out, RecordedUse use) {
        String note = use.replayed() ? "replay of " + use.eventId() + ": nothing written"
                : use.result().reason().map(r -> "earns nothing: " + r).orElse("");
        out.printf("%-16s %-12s %-17s %7d %8s %6s %16s  %s%n", use.modelId(), use.userId(),
                use.result().usageType().name(), use.result().tokensConsumed(),
                use.useOrdinal().isPresent() ? Long.toString(use.useOrdinal().getAsLong()) : "-",
                use.result().tier().multiplier().toPlainString() + "x", use.result().earnings().amount().toPlainString(),
                note);
    }
}
