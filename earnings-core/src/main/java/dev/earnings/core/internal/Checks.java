package dev.earnings.core.internal;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import java.math.BigDecimal;

/**
 * Input rules shared by every module, so that the core and the storage layer reject exactly the
 * same values with exactly the same messages.
 */
public final class Checks {
    /** The longest id, in Unicode code points. */
    public static final int MAX_ID_LENGTH = 128;

    /** Amounts, prices and multipliers carry at most this many decimal places. */
    public static final int MAX_SCALE = 12;

    private Checks() {}

    /** What an id may contain, as every message about a refused character says it. */
    private static final String ALLOWED_CHARACTERS =
            "allowed: printable characters only (letters, marks, numbers, punctuation, symbols and spaces)";

    /**
     * Validates an id: not blank (whitespace and other space characters alone count as blank), at
     * most 128 code points, and printable: no control characters (Cc), no invisible format
     * characters (Cf, such as U+200B or the bidi override U+202E, which would make two ids look the
     * same), no line or paragraph separators (Zl, Zp), no private-use characters (Co, in the BMP and
     * in planes 15 and 16), no noncharacters (U+FDD0..U+FDEF and the last two code points of every
     * plane), no code points unassigned in the running JDK's Unicode data (Cn), and no unpaired
     * surrogates (which no database can store faithfully).
     *
     * <p>Messages name the field, the refused code point and its char index, never the value: ids
     * may be user ids.
     */
    public static String requireId(String field, String value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is required; allowed: 1 to " + MAX_ID_LENGTH
                    + " printable characters, not blank");
        }
        if (value.codePoints().allMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp))) {
            throw new InvalidInputException(field, field + " must not be blank; allowed: 1 to " + MAX_ID_LENGTH
                    + " printable characters, not blank");
        }
        int codePoints = value.codePointCount(0, value.length());
        if (codePoints > MAX_ID_LENGTH) {
            throw new InvalidInputException(field, field + " is " + codePoints + " characters long; allowed: at most "
                    + MAX_ID_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            String refused = refusedInId(cp);
            if (refused != null) {
                throw new InvalidInputException(field, field + " contains " + refused + " at index " + i + "; "
                        + ALLOWED_CHARACTERS);
            }
            i += Character.charCount(cp);
        }
        return value;
    }

    /**
     * What is wrong with a code point in an id, or {@code null} when it is printable. A lone
     * surrogate reaches here as a code point of its own, of type {@code SURROGATE}; a well-formed
     * pair arrives as one supplementary code point.
     */
    private static String refusedInId(int cp) {
        // Before the general category: Java files noncharacters under UNASSIGNED.
        if (isNoncharacter(cp)) {
            return "the noncharacter " + hex(cp);
        }
        switch (Character.getType(cp)) {
            case Character.CONTROL:
                return "the control character " + hex(cp);
            case Character.FORMAT:
                return "the invisible format character " + hex(cp);
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return "the line or paragraph separator " + hex(cp);
            case Character.PRIVATE_USE:
                return "the private-use character " + hex(cp);
            case Character.SURROGATE:
                return "an unpaired surrogate";
            case Character.UNASSIGNED:
                // Which code points are assigned depends on the JDK: Java 17 has Unicode 13.0.
                return "the unassigned code point " + hex(cp) + " (Unicode data of Java "
                        + Runtime.version().feature() + ")";
            default:
                return null;
        }
    }

    /** The 66 noncharacters: U+FDD0..U+FDEF and U+nFFFE, U+nFFFF in each of the 17 planes. */
    private static boolean isNoncharacter(int cp) {
        return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    private static String hex(int cp) {
        return String.format("U+%04X", cp);
    }

    /**
     * A decimal as a message shows it: written out in full when that is short, otherwise in
     * scientific notation, cut to 64 characters. {@code 1E-999999999} written out would be a
     * billion characters: a message must never cost more than the value that caused it.
     *
     * @param value the value
     * @return at most 67 characters
     */
    public static String shown(BigDecimal value) {
        boolean shortPlain = value.scale() <= 40 && value.precision() - value.scale() <= 40;
        String text = shortPlain ? value.toPlainString() : value.toString();
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    /** The number of decimal places a value really has, ignoring trailing zeros. */
    public static int significantScale(BigDecimal value) {
        // Zero of any scale strips to 0 with scale 0; 1E+3 strips to a negative scale, which is 0 places.
        return Math.max(0, value.stripTrailingZeros().scale());
    }

    /**
     * A canonical form for a configured decimal: trailing zeros dropped but never an exponent, so
     * {@code 0.0100} becomes {@code 0.01} and {@code 100} stays {@code 100}.
     */
    public static BigDecimal canonical(BigDecimal value) {
        return value.setScale(significantScale(value));
    }

    /** Validates a configured multiplier: positive, at most {@code max}, at most 12 decimal places. */
    public static BigDecimal requireMultiplier(String setting, BigDecimal value, BigDecimal max) {
        if (value == null) {
            throw new InvalidConfigurationException(setting, setting + " is required; allowed: a decimal greater than 0 and at most "
                    + max.toPlainString());
        }
        if (value.signum() <= 0 || value.compareTo(max) > 0) {
            throw new InvalidConfigurationException(setting, setting + " is " + shown(value)
                    + "; allowed: greater than 0 and at most " + max.toPlainString());
        }
        if (significantScale(value) > MAX_SCALE) {
            throw new InvalidConfigurationException(setting, setting + " is " + shown(value) + ", which has "
                    + significantScale(value) + " decimal places; allowed: at most " + MAX_SCALE);
        }
        return canonical(value);
    }

    /** Parses a decimal literal from configuration, naming the setting when it is not one. */
    public static BigDecimal parseDecimal(String setting, String literal) {
        if (literal == null) {
            throw new InvalidConfigurationException(setting, setting + " is required");
        }
        try {
            return new BigDecimal(literal.strip());
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(setting, setting + " is '" + literal
                    + "', which is not a decimal number; write it like 1.25");
        }
    }
}
