package dev.earnings.benchmarks;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.EarningsResult;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.UsageType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of rating one use: what {@code logModelUsage} adds on top of its database work.
 *
 * <p>Run it with the command in the README ({@code -prof gc} adds bytes allocated per operation).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CalculatorBenchmark {
    /** Typical prices, and prices with all twelve decimal places in use. */
    @Param({"0.01/0.0001", "0.000510846881/0.000000009600"})
    public String prices;

    /** Prior uses: first tier, and far into the last tier. */
    @Param({"42", "123456789"})
    public long priorUses;

    private EarningsCalculator calculator;
    private ModelPricing pricing;
    private UsageType chat;

    /** Builds the calculator and pricing outside the measured code. */
    @Setup
    public void setUp() {
        calculator = EarningsCalculator.defaults();
        String[] parts = prices.split("/");
        pricing = ModelPricing.of(parts[0], parts[1]);
        chat = calculator.usageTypes().resolve("chat");
    }

    /**
     * Rates a use by type name, as {@code logModelUsage} does.
     *
     * @return the result, so the JIT cannot drop the work
     */
    @Benchmark
    public EarningsResult calculateByName() {
        return calculator.calculate(pricing, priorUses, 1_234, "chat", false);
    }

    /**
     * Rates a use whose type is already resolved.
     *
     * @return the result, so the JIT cannot drop the work
     */
    @Benchmark
    public EarningsResult calculateResolved() {
        return calculator.calculate(pricing, priorUses, 1_234, chat, false);
    }
}
