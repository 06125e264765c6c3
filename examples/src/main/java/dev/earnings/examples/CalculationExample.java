package dev.earnings.examples;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.EarningsResult;
import dev.earnings.core.ModelPricing;
import java.io.PrintStream;

/**
 * Rates a handful of uses of one model with the default rules and prints how each amount came
 * about: the tier by prior uses, the usage type, and the single half-even rounding.
 */
public final class CalculationExample {
    private CalculationExample() {}

    /**
     * Runs the example.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System.out);
    }

    static void run(PrintStream out) {
        EarningsCalculator calculator = EarningsCalculator.defaults();
        ModelPricing pricing = ModelPricing.of("0.01", "0.0001");

        out.println("Model priced at 0.01 per use + 0.0001 per token (" + calculator.currency().getCurrencyCode() + ")");
        out.println();
        out.printf("%-8s %-17s %7s %6s %-5s %18s%n", "ordinal", "type", "tokens", "tier", "x", "earnings");
        long[][] uses = {{1, 50}, {100, 50}, {101, 50}, {1_001, 500}, {5_001, 0}, {10_001, 2_000}};
        String[] types = {"image_generation", "chat", "image_generation", "other", "chat", "image_generation"};
        for (int i = 0; i < uses.length; i++) {
            long ordinal = uses[i][0];
            EarningsResult result = calculator.calculate(pricing, ordinal - 1, uses[i][1], types[i], false);
            out.printf("%-8d %-17s %7d %6d %-5s %18s%n", ordinal, result.usageType().name(), result.tokensConsumed(),
                    result.tier().index(), result.tier().multiplier().toPlainString() + "x",
                    result.earnings().amount().toPlainString());
        }

        out.println();
        out.println("Why the use with ordinal 101 earned what it did:");
        out.println("  " + calculator.calculate(pricing, 100, 50, "image_generation", false).explain());
        out.println("The creator's own use earns nothing and does not advance the tier:");
        out.println("  " + calculator.calculate(pricing, 100, 50, "image_generation", true).explain());
    }
}
