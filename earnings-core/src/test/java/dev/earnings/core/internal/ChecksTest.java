package dev.earnings.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import org.junit.jupiter.api.Test;

class ChecksTest {
    @Test
    void acceptsPrintableIdsUpTo128CodePoints() {
        assertThat(Checks.requireId("userId", "user-1")).isEqualTo("user-1");
        assertThat(Checks.requireId("userId", "x".repeat(128))).hasSize(128);
        // 128 code points outside the BMP are 256 chars, and allowed.
        String emoji = "\uD83D\uDE00".repeat(128);
        assertThat(Checks.requireId("userId", emoji)).isEqualTo(emoji);
    }

    @Test
    void refusesMissingBlankLongAndControlCharacters() {
        assertThatThrownBy(() -> Checks.requireId("modelId", null))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("modelId is required");
        assertThatThrownBy(() -> Checks.requireId("modelId", " \t"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("modelId must not be blank");
        assertThatThrownBy(() -> Checks.requireId("modelId", "x".repeat(129)))
                .isInstanceOf(InvalidInputException.class).hasMessage("modelId is 129 characters long; allowed: at most 128 characters");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\u0000b"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("control character U+0000 at index 1");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\nb"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+000A");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\u0085"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+0085");
        assertThatThrownBy(() -> Checks.requireId("userId", "\u00A0\u2003"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("userId must not be blank");
        assertThatThrownBy(() -> Checks.requireId("userId", "admin\u200B"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("invisible format character U+200B");
        assertThatThrownBy(() -> Checks.requireId("userId", "abc\u202Efed"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+202E at index 3");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\uD800b"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("unpaired surrogate at index 1");
    }
}
