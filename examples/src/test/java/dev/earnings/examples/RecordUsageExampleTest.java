package dev.earnings.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordUsageExampleTest {
    @Test
    void recordsUsesAndContinuesOnASecondRun(@TempDir Path directory) {
        String first = run(directory);
        assertThat(first).contains("anime-diffusion user-42 image_generation 50 1 1x 0.015000000000");
        assertThat(first).contains("creator-ada image_generation 50 - 1x 0.000000000000 earns nothing: SELF_USE");
        assertThat(first).contains("replay of chat-turn-2f9c: nothing written");
        assertThat(first).contains("every total matches to the last digit");

        String second = run(directory);
        // The database persisted: ordinals continue, and the retried eventId is still recognised.
        assertThat(second).contains("anime-diffusion user-42 image_generation 50 4 1x 0.015000000000");
        assertThat(second).containsPattern("story-chat user-42 chat 800 \\d+ 1x \\S+ replay of chat-turn-2f9c");
        assertThat(second).contains("every total matches to the last digit");
    }

    private static String run(Path directory) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RecordUsageExample.run(directory.resolve("db"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).replaceAll(" +", " ");
    }
}
