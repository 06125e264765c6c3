package dev.earnings.jdbc.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads fuzzer bytes as a stream of small decisions. Past the end every read gives zero, so any
 * input, however short, decodes to something.
 */
final class FuzzBytes {
    private final byte[] data;
    private int position;

    FuzzBytes(byte[] data) {
        this.data = data;
    }

    int u8() {
        return position < data.length ? data[position++] & 0xFF : 0;
    }

    int u16() {
        return (u8() << 8) | u8();
    }

    int i32() {
        return (u16() << 16) | u16();
    }

    long i64() {
        return ((long) i32() << 32) | (i32() & 0xFFFF_FFFFL);
    }

    boolean bool() {
        return (u8() & 1) == 1;
    }

    byte[] bytes(int length) {
        int end = Math.min(data.length, position + length);
        byte[] out = Arrays.copyOfRange(data, Math.min(position, end), end);
        position = end;
        return out;
    }

    /**
     * A string of up to 255 UTF-16 code units: a byte below {@code 0x80} is that ASCII character,
     * {@code 0x80}-{@code 0xBF} and the next byte make a character up to {@code U+3FFF}, and
     * {@code 0xC0} and above take the next two bytes as any code unit, unpaired surrogates included.
     */
    String string() {
        int length = u8();
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int b = u8();
            if (b < 0x80) {
                out.append((char) b);
            } else if (b < 0xC0) {
                out.append((char) (((b & 0x3F) << 8) | u8()));
            } else {
                out.append((char) u16());
            }
        }
        return out.toString();
    }

    /** The rest of the input as UTF-8 text (malformed bytes become U+FFFD). */
    String rest() {
        String text = new String(data, Math.min(position, data.length), Math.max(0, data.length - position),
                StandardCharsets.UTF_8);
        position = data.length;
        return text;
    }
}
