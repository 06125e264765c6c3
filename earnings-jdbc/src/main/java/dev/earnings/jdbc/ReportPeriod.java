package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;

/**
 * The days a report covers: the last 7, 30, 90 or 365 days, or a custom half-open range, as whole
 * days of a time zone (UTC unless {@linkplain #in(ZoneId) given}).
 *
 * <p>"Last N days" is resolved against the library's clock when the report runs: the N days
 * ending today in the period's zone, today included. A custom range is {@code [from, to)}:
 * {@code from} included, {@code to} excluded, so consecutive ranges never count a day twice.
 *
 * <p>A local day runs from one local midnight to the next: 23 or 25 hours across a daylight-saving
 * change, and from the first valid time where a zone skips midnight. Reports in a zone other than
 * UTC are summed from quarter-hour rollups, so they are exact for every zone whose days start on
 * a UTC quarter hour, which is every IANA zone today (Asia/Kolkata at +05:30 and Asia/Kathmandu at
 * +05:45 included); a period reaching into a zone's past where it was offset by odd minutes (local
 * mean time, before about 1980 in a few zones) is refused rather than approximated.
 */
public final class ReportPeriod {
    private static final Set<Integer> PRESETS = Set.of(7, 30, 90, 365);
    /** The longest custom range, about ten years, so a typo cannot ask for millions of zero-filled days. */
    public static final int MAX_DAYS = 3700;

    private final int lastDays;
    private final LocalDate from;
    private final LocalDate to;
    private final ZoneId zone;

    private ReportPeriod(int lastDays, LocalDate from, LocalDate to, ZoneId zone) {
        this.lastDays = lastDays;
        this.from = from;
        this.to = to;
        this.zone = zone;
    }

    /**
     * The last {@code days} UTC days, today included.
     *
     * @param days 7, 30, 90 or 365
     * @return the period
     * @throws InvalidInputException for any other number
     */
    public static ReportPeriod lastDays(int days) {
        if (!PRESETS.contains(days)) {
            throw new InvalidInputException("period", "period is the last " + days
                    + " days; allowed: 7, 30, 90 or 365, or a custom range with ReportPeriod.between(from, to)");
        }
        return new ReportPeriod(days, null, null, ZoneOffset.UTC);
    }

    /**
     * The UTC days from {@code from} (included) to {@code to} (excluded).
     *
     * @param from the first day
     * @param to the day after the last
     * @return the period
     * @throws InvalidInputException if {@code to} is not after {@code from} or the range is longer than {@link #MAX_DAYS}
     */
    public static ReportPeriod between(LocalDate from, LocalDate to) {
        if (from == null || to == null || !to.isAfter(from) || ChronoUnit.DAYS.between(from, to) > MAX_DAYS) {
            throw new InvalidInputException("period", "period is [" + from + ", " + to
                    + "); allowed: two days with from before to, at most " + MAX_DAYS + " days apart");
        }
        return new ReportPeriod(0, from, to, ZoneOffset.UTC);
    }

    /**
     * The same days as whole days of another time zone: a creator's "last 30 days" in their own
     * zone, or a custom range of their local dates.
     *
     * @param zone an IANA zone such as {@code America/New_York}, or a fixed offset
     * @return the period in that zone
     * @throws InvalidInputException if the zone is missing
     */
    public ReportPeriod in(ZoneId zone) {
        if (zone == null) {
            throw new InvalidInputException("zone", "zone is missing; allowed: an IANA time zone such as Europe/Paris");
        }
        return new ReportPeriod(lastDays, from, to, zone.normalized());
    }

    /**
     * The zone whose days the period counts.
     *
     * @return the zone, UTC unless another was given
     */
    public ZoneId zone() {
        return zone;
    }

    /**
     * The concrete days for a given today.
     *
     * @param today the current day in the period's zone
     * @return the range, in the period's zone
     * @throws InvalidInputException if a day of the range does not start on a UTC quarter hour in the zone
     */
    public DateRange resolve(LocalDate today) {
        Objects.requireNonNull(today, "today");
        return lastDays > 0 ? new DateRange(today.minusDays(lastDays - 1L), today.plusDays(1), zone)
                : new DateRange(from, to, zone);
    }

    /**
     * The concrete days at a given instant: "last N days" ends with the day the instant falls on in
     * the period's zone.
     *
     * @param now the current time
     * @return the range, in the period's zone
     * @throws InvalidInputException if a day of the range does not start on a UTC quarter hour in the zone
     */
    public DateRange resolve(Instant now) {
        Objects.requireNonNull(now, "now");
        return resolve(LocalDate.ofInstant(now, zone));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReportPeriod && ((ReportPeriod) o).lastDays == lastDays
                && Objects.equals(((ReportPeriod) o).from, from) && Objects.equals(((ReportPeriod) o).to, to)
                && ((ReportPeriod) o).zone.equals(zone);
    }

    @Override
    public int hashCode() {
        return Objects.hash(lastDays, from, to, zone);
    }

    @Override
    public String toString() {
        String days = lastDays > 0 ? "last " + lastDays + " days" : "[" + from + ", " + to + ")";
        return zone.equals(ZoneOffset.UTC) ? days : days + " in " + zone.getId();
    }

    /**
     * A resolved half-open range of days of a time zone.
     *
     * @param from the first day, included
     * @param to the day after the last, excluded
     * @param zone the zone whose days they are
     */
    public record DateRange(LocalDate from, LocalDate to, ZoneId zone) {
        /** The length of the rollups' buckets: every local day of a report starts on one. */
        private static final long QUARTER_HOUR_SECONDS = 900;

        /**
         * Checks the range.
         *
         * @param from the first day
         * @param to the day after the last
         * @param zone the zone
         * @throws InvalidInputException if a day of the range does not start on a UTC quarter hour in the zone
         */
        public DateRange {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(zone, "zone");
            if (!to.isAfter(from)) {
                throw new IllegalArgumentException("to must be after from: [" + from + ", " + to + ")");
            }
            zone = zone.normalized();
            if (!zone.equals(ZoneOffset.UTC)) {
                for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
                    Instant start = day.atStartOfDay(zone).toInstant();
                    if (Math.floorMod(start.getEpochSecond(), QUARTER_HOUR_SECONDS) != 0) {
                        throw new InvalidInputException("zone", "zone " + zone.getId() + " starts " + day + " at " + start
                                + ", not on a quarter hour of UTC; allowed: days whose local midnight falls on a UTC quarter"
                                + " hour (every zone since about 1980)");
                    }
                }
            }
        }

        /**
         * A range of UTC days.
         *
         * @param from the first day, included
         * @param to the day after the last, excluded
         */
        public DateRange(LocalDate from, LocalDate to) {
            this(from, to, ZoneOffset.UTC);
        }

        /**
         * When the range starts: the first day's local midnight (or first valid time).
         *
         * @return the first instant in the range
         */
        public Instant start() {
            return from.atStartOfDay(zone).toInstant();
        }

        /**
         * When the range ends: the local midnight after the last day.
         *
         * @return the first instant after the range
         */
        public Instant end() {
            return to.atStartOfDay(zone).toInstant();
        }

        /**
         * Whether the days are UTC days, which the daily rollups hold.
         *
         * @return true for UTC
         */
        public boolean utc() {
            return zone.equals(ZoneOffset.UTC);
        }

        /**
         * The number of days.
         *
         * @return {@code to - from} in days
         */
        public long days() {
            return ChronoUnit.DAYS.between(from, to);
        }

        /**
         * The range of the same length just before this one, for period-over-period change.
         *
         * @return the previous range
         */
        public DateRange previous() {
            return new DateRange(from.minusDays(days()), from, zone);
        }
    }
}
