package dev.earnings.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CalculationExampleTest {
    @Test
    void printsEveryTierAndTheExplanation() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CalculationExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8).replaceAll(" +", " ");

        assertThat(out).contains("1 image_generation 50 1 1x 0.015000000000");
        assertThat(out).contains("101 image_generation 50 2 1.2x 0.018000000000");
        assertThat(out).contains("10001 image_generation 2000 5 2.5x 0.525000000000");
        assertThat(out).contains("0.018000000000 USD = (0.01 + 50 tokens x 0.0001) x 1.2 (tier 2, from 100 prior uses)");
        assertThat(out).contains("because the user is the model's creator (self-use)");
    }
}
