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

    /**
     * Validates an id: not blank (whitespace and other space characters alone count as blank), at
     * most 128 code points, no control or invisible format characters (such as U+200B or the
     * bidi override U+202E, which would make two ids look the same) and no unpaired surrogates
     * (which no database can store faithfully).
     */
    public static String requireId(String field, String value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is required; allowed: 1 to " + MAX_ID_LENGTH
                    + " characters, not blank, no control characters");
        }
        if (value.codePoints().allMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp))) {
            throw new InvalidInputException(field, field + " must not be blank; allowed: 1 to " + MAX_ID_LENGTH
                    + " characters, not blank, no control characters");
        }
        int codePoints = value.codePointCount(0, value.length());
        if (codePoints > MAX_ID_LENGTH) {
            throw new InvalidInputException(field, field + " is " + codePoints + " characters long; allowed: at most "
                    + MAX_ID_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (Character.isISOControl(cp)) {
                throw new InvalidInputException(field, field + " contains the control character U+"
                        + String.format("%04X", cp) + " at index " + i + "; allowed: printable characters only");
            }
            if (Character.getType(cp) == Character.FORMAT) {
                throw new InvalidInputException(field, field + " contains the invisible format character U+"
                        + String.format("%04X", cp) + " at index " + i + "; allowed: printable characters only");
            }
            if (Character.isSurrogate((char) cp) && Character.charCount(cp) == 1) {
                throw new InvalidInputException(field, field + " contains an unpaired surrogate at index " + i
                        + "; allowed: well-formed Unicode text only");
            }
            i += Character.charCount(cp);
        }
        return value;
    }

    /** The number of decimal places a value really has, ignoring trailing zeros. */
    public static int significantScale(BigDecimal value) {
        if (value.signum() == 0) {
            return 0;
        }
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
            throw new InvalidConfigurationException(setting, setting + " is " + value.toPlainString()
                    + "; allowed: greater than 0 and at most " + max.toPlainString());
        }
        if (significantScale(value) > MAX_SCALE) {
            throw new InvalidConfigurationException(setting, setting + " is " + value.toPlainString() + ", which has "
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
