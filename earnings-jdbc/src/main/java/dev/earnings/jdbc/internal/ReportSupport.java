package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Currency;

/** What the report classes share: UTC days, money from sums, and the missing-argument rule. */
final class ReportSupport {
    private ReportSupport() {
    }

    /** Today's UTC day by the library's clock. */
    static LocalDate today(Clock clock) {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** The first instant of a UTC day. */
    static Instant start(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** A sum of stored amounts as money; every stored amount has 12 places, so nothing is rounded. */
    static Money money(Currency currency, BigDecimal amount) {
        return Money.of(currency, amount.setScale(Money.SCALE, RoundingMode.UNNECESSARY));
    }

    static void requirePresent(String field, Object value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is missing; allowed: a value, not null");
        }
    }
}
