package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.Money;
import dev.earnings.core.UsageTier;
import dev.earnings.core.UsageTierSchedule;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorDashboard.TrendPoint;
import dev.earnings.jdbc.Forecast;
import dev.earnings.jdbc.MarketInsights;
import dev.earnings.jdbc.MarketInsights.Bucket;
import dev.earnings.jdbc.MarketInsights.Figures;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.ModelComparison;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.ReportPeriod.DateRange;
import dev.earnings.jdbc.TierOutlook;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Forecasts, comparisons of a creator's models and the platform's market patterns, read from the
 * rollups: the daily ones for UTC days, the quarter-hour ones for the days of any other zone and
 * for anything by usage type, hour or weekday.
 *
 * <p>Figures about other creators' models are read in the service scope (row-level security would
 * hide them from a creator's connection) and leave this class only as positions, percentiles and
 * aggregates over at least {@code minimumCreators} creators when a creator asks.
 */
public final class InsightReports {
    /** Days of history a forecast is fitted on (the forecaster's window; see {@link Forecaster}). */
    static final int HISTORY_DAYS = 56;
    /** Days whose counted uses make a model's pace toward its next tier. */
    static final int PACE_DAYS = 28;
    /** The coverage of a forecast's intervals. */
    static final BigDecimal CONFIDENCE = new BigDecimal("0.9");
    /** The most models one comparison takes. */
    public static final int MAX_COMPARED = 10;
    private static final int SHARE_SCALE = 4;

    private final Transactor tx;
    private final Access access;
    private final ModelCatalog catalog;
    private final EarningsCalculator calculator;
    private final Clock clock;
    private final Currency currency;
    private final int minimumCreators;

    /**
     * Creates the reports.
     *
     * @param tx the transaction runner
     * @param access the access rules
     * @param catalog the models
     * @param calculator the rules (currency, tiers, usage types)
     * @param clock the clock that says which day is today
     * @param minimumCreators k: the fewest creators an aggregate shown to a creator may cover
     */
    public InsightReports(Transactor tx, Access access, ModelCatalog catalog, EarningsCalculator calculator, Clock clock,
            int minimumCreators) {
        this.tx = tx;
        this.access = access;
        this.catalog = catalog;
        this.calculator = calculator;
        this.clock = clock;
        this.currency = calculator.currency();
        this.minimumCreators = minimumCreators;
    }

    /**
     * The deployment's k.
     *
     * @return the fewest creators an aggregate shown to a creator may cover
     */
    public int minimumCreators() {
        return minimumCreators;
    }

    // ------------------------------------------------------------------ forecasts

    /**
     * A forecast of one model, or of all of a creator's models together.
     *
     * @param caller who asks
     * @param creatorId the creator, when {@code modelId} is empty
     * @param modelId the model, or empty
     * @param days how many days after today, 1 to {@link Forecast#MAX_DAYS}
     * @param zone whose days
     * @return the forecast
     */
    public Forecast forecast(Caller caller, Optional<String> creatorId, Optional<String> modelId, int days, ZoneId zone) {
        if (days < 1 || days > Forecast.MAX_DAYS) {
            throw new InvalidInputException("days", "days is " + days + "; allowed: 1 to " + Forecast.MAX_DAYS);
        }
        ReportSupport.requirePresent("zone", zone);
        creatorId.ifPresent(c -> Checks.requireId("creatorId", c));
        modelId.ifPresent(m -> Checks.requireId("modelId", m));
        LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
        // The history's days are checked like a report's: each must start on a UTC quarter hour.
        new DateRange(today.minusDays(HISTORY_DAYS), today.plusDays(days + 1L), zone);
        String what = modelId.map(m -> "model '" + m + "'").orElse("creator '" + creatorId.orElse("") + "'");
        return tx.inSnapshot("forecasting " + what, Scope.of(caller), (h, attempt) -> {
            String creator;
            List<Model> models;
            if (modelId.isPresent()) {
                creator = access.requireModel(h, caller, modelId.get(), Optional.empty());
                models = List.of(catalog.find(h, modelId.get()).orElseThrow());
            } else {
                creator = creatorId.orElseThrow();
                access.requireCreatorData(h, caller, creator);
                models = catalog.ofCreator(h, creator);
            }
            History history = history(h, creator, modelId, models, today, zone);
            LocalDate from = history.from;
            double[] uses = history.uses;
            double[] earned = history.earnings;
            DayOfWeek first = from.getDayOfWeek();
            Forecaster.Forecast u = Forecaster.forecast(uses, first, days, CONFIDENCE.doubleValue());
            Forecaster.Forecast e = Forecaster.forecast(earned, first, days, CONFIDENCE.doubleValue());
            List<Forecast.Day> out = new ArrayList<>();
            for (int i = 0; i < days; i++) {
                out.add(new Forecast.Day(today.plusDays(i + 1L), estimate(u.point()[i], u.lower()[i], u.upper()[i], 0),
                        estimate(e.point()[i], e.lower()[i], e.upper()[i], minorDigits())));
            }
            String method = u.method().equals(e.method()) ? u.method() : "uses: " + u.method() + "; earnings: " + e.method();
            return new Forecast(creator, modelId, zone, from, today, CONFIDENCE, method, currency, out,
                    estimate(u.total(), u.totalLower(), u.totalUpper(), 0),
                    estimate(e.total(), e.totalLower(), e.totalUpper(), minorDigits()),
                    outlooks(h, creator, models, today, zone));
        });
    }

    /** The days a forecast is fitted on, from the first model's registration or 56 days back, to yesterday. */
    private record History(LocalDate from, double[] uses, double[] earnings) {
    }

    private History history(Handle h, String creatorId, Optional<String> modelId, List<Model> models, LocalDate today,
            ZoneId zone) {
        LocalDate registered = models.stream().map(m -> LocalDate.ofInstant(m.registeredAt(), zone))
                .min(Comparator.naturalOrder()).orElse(today);
        LocalDate from = registered.isAfter(today.minusDays(HISTORY_DAYS)) ? registered : today.minusDays(HISTORY_DAYS);
        if (!from.isBefore(today)) {
            return new History(today, new double[0], new double[0]);
        }
        Series series = series(h, creatorId, modelId.map(m -> new String[] {m}), new DateRange(from, today, zone));
        double[] uses = new double[series.uses.length];
        double[] earned = new double[series.uses.length];
        for (int i = 0; i < uses.length; i++) {
            uses[i] = series.uses[i];
            // An estimate's input: the fit is in binary floating point (see Forecast).
            earned[i] = series.earnings[i].doubleValue();
        }
        return new History(from, uses, earned);
    }

    /**
     * The day a creator's month reaches a goal's target at the forecast pace: the month's earnings
     * so far plus each following day's expected earnings, from tomorrow, until the sum reaches the
     * target. Today's remaining hours are not forecast, so the projection errs late by at most a day.
     *
     * @param h the transaction
     * @param creatorId the creator
     * @param zone the goal's zone
     * @param month the goal's month
     * @param earned what the month has earned so far
     * @param target the target
     * @return the day, or empty when the month has ended, the target is not reached by its end at
     *     this pace, or the month ends more than {@link Forecast#MAX_DAYS} days from now
     */
    public Optional<LocalDate> projectedReach(Handle h, String creatorId, ZoneId zone, java.time.YearMonth month,
            BigDecimal earned, BigDecimal target) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
        LocalDate end = month.atEndOfMonth();
        if (earned.compareTo(target) >= 0 || !end.isAfter(today)) {
            return Optional.empty();
        }
        int days = (int) ChronoUnit.DAYS.between(today, end);
        if (days > Forecast.MAX_DAYS) {
            return Optional.empty();
        }
        History history = history(h, creatorId, Optional.empty(), catalog.ofCreator(h, creatorId), today, zone);
        Forecaster.Forecast f = Forecaster.forecast(history.earnings, history.from.getDayOfWeek(), days,
                CONFIDENCE.doubleValue());
        BigDecimal sum = earned;
        for (int i = 0; i < days; i++) {
            LocalDate day = today.plusDays(i + 1L);
            if (day.isBefore(month.atDay(1))) {
                continue;
            }
            sum = sum.add(rounded(f.point()[i], minorDigits()));
            if (sum.compareTo(target) >= 0) {
                return Optional.of(day);
            }
        }
        return Optional.empty();
    }

    private int minorDigits() {
        return Math.max(0, currency.getDefaultFractionDigits());
    }

    private static Forecast.Estimate estimate(double point, double low, double high, int scale) {
        return new Forecast.Estimate(rounded(point, scale), rounded(low, scale),
                Double.isInfinite(high) ? Optional.empty() : Optional.of(rounded(high, scale)));
    }

    /** An estimate rounded for display: whole uses, or the currency's minor unit. */
    private static BigDecimal rounded(double value, int scale) {
        return BigDecimal.valueOf(value).setScale(scale, RoundingMode.HALF_EVEN).max(BigDecimal.ZERO.setScale(scale));
    }

    /** Each model's standing against its next tier, from its counters and its last 28 whole days. */
    private List<TierOutlook> outlooks(Handle h, String creatorId, List<Model> models, LocalDate today, ZoneId zone) {
        if (models.isEmpty()) {
            return List.of();
        }
        String[] ids = models.stream().map(Model::modelId).sorted().toArray(String[]::new);
        Map<String, Long> counted = new HashMap<>();
        h.createQuery("SELECT model_id, counted_uses FROM <t>model_creator_earnings WHERE model_id = ANY(:ids)")
                .bind("ids", ArrayColumns.textArray(ids))
                .map((rs, ctx) -> counted.put(rs.getString(1), rs.getLong(2))).list();
        DateRange pace = new DateRange(today.minusDays(PACE_DAYS), today, zone);
        Map<String, Long> recent = new HashMap<>();
        Query query;
        if (pace.utc()) {
            query = h.createQuery("SELECT model_id, SUM(counted_uses) FROM <t>model_analytics WHERE creator_id = :creator"
                    + " AND model_id = ANY(:ids) AND usage_day >= :from AND usage_day < :to GROUP BY model_id")
                    .bind("from", pace.from()).bind("to", pace.to());
        } else {
            query = h.createQuery("SELECT model_id, SUM(counted_uses) FROM <t>model_usage_slots WHERE creator_id = :creator"
                    + " AND model_id = ANY(:ids) AND slot >= :from AND slot < :to GROUP BY model_id")
                    .bind("from", UsageWriter.slotOf(pace.start())).bind("to", UsageWriter.slotOf(pace.end()));
        }
        query.bind("creator", creatorId).bind("ids", ArrayColumns.textArray(ids))
                .map((rs, ctx) -> recent.put(rs.getString(1), rs.getLong(2))).list();
        UsageTierSchedule tiers = calculator.tiers();
        List<TierOutlook> outlooks = new ArrayList<>();
        for (String id : ids) {
            long uses = counted.getOrDefault(id, 0L);
            long last = recent.getOrDefault(id, 0L);
            UsageTier tier = tiers.tierFor(uses);
            Optional<UsageTier> next = tiers.next(tier);
            Optional<LocalDate> when = Optional.empty();
            if (next.isPresent() && last > 0) {
                long remaining = next.get().fromPriorUses() - uses;
                // ceil(remaining x 28 / last), in integers: no rounding before the last step.
                long daysToGo = Math.floorDiv(Math.addExact(Math.multiplyExact(remaining, PACE_DAYS), last - 1), last);
                when = Optional.of(today.plusDays(daysToGo));
            }
            outlooks.add(new TierOutlook(id, tier.index(), uses,
                    next.map(t -> OptionalInt.of(t.index())).orElse(OptionalInt.empty()),
                    next.map(t -> OptionalLong.of(t.fromPriorUses() - uses)).orElse(OptionalLong.empty()), last,
                    BigDecimal.valueOf(last).divide(BigDecimal.valueOf(PACE_DAYS), 2, RoundingMode.HALF_EVEN), when));
        }
        return outlooks;
    }

    /** Per local day of a range: uses, earnings net of reversals, counted uses; empty days zero. */
    static final class Series {
        final long[] uses;
        final long[] counted;
        final long[] earning;
        final BigDecimal[] earnings;
        final BigDecimal[] reversed;

        Series(int days) {
            uses = new long[days];
            counted = new long[days];
            earning = new long[days];
            earnings = new BigDecimal[days];
            reversed = new BigDecimal[days];
            java.util.Arrays.fill(earnings, BigDecimal.ZERO);
            java.util.Arrays.fill(reversed, BigDecimal.ZERO);
        }
    }

    /**
     * A creator's (or some of their models') days: from the daily rollups for UTC days, from the
     * quarter hours summed by local day in the statement otherwise.
     *
     * @param h the handle
     * @param creatorId the creator
     * @param modelIds the models, or empty for all of the creator's
     * @param range the days
     * @return one entry per day of the range
     */
    Series series(Handle h, String creatorId, Optional<String[]> modelIds, DateRange range) {
        String model = modelIds.isPresent() ? " AND model_id = ANY(:models)" : "";
        Query query;
        if (range.utc()) {
            query = h.createQuery("SELECT usage_day AS d, SUM(uses) AS uses, SUM(counted_uses) AS counted,"
                    + " SUM(earning_uses) AS earning, SUM(earnings - reversed) AS earnings, SUM(reversed) AS reversed"
                    + " FROM <t>model_analytics WHERE creator_id = :creator" + model
                    + " AND usage_day >= :from AND usage_day < :to GROUP BY usage_day")
                    .bind("from", range.from()).bind("to", range.to());
        } else {
            Slots slots = Slots.of(range);
            query = h.createQuery("SELECT d, SUM(uses) AS uses, SUM(counted_uses) AS counted, SUM(earning_uses) AS earning,"
                    + " SUM(earnings - reversed) AS earnings, SUM(reversed) AS reversed FROM (SELECT "
                    + slots.day("slot", "z") + " AS d, uses, counted_uses, earning_uses, earnings, reversed"
                    + " FROM <t>model_usage_slots WHERE creator_id = :creator" + model
                    + " AND slot >= :from AND slot < :to) x GROUP BY d")
                    .bind("from", slots.from()).bind("to", slots.to());
            slots.bind(query, "z");
        }
        query.bind("creator", creatorId);
        modelIds.ifPresent(m -> query.bind("models", ArrayColumns.textArray(m)));
        Series series = new Series((int) range.days());
        long first = range.from().toEpochDay();
        query.map((rs, ctx) -> {
            // A UTC date from the daily rollups, or a local day's number from the quarter hours.
            Object d = rs.getObject("d");
            long day = d instanceof Number ? ((Number) d).longValue() : rs.getObject("d", LocalDate.class).toEpochDay();
            int i = (int) (day - first);
            series.uses[i] = rs.getLong("uses");
            series.counted[i] = rs.getLong("counted");
            series.earning[i] = rs.getLong("earning");
            series.earnings[i] = rs.getBigDecimal("earnings");
            series.reversed[i] = rs.getBigDecimal("reversed");
            return i;
        }).list();
        return series;
    }

    // ------------------------------------------------------------------ comparisons

    /**
     * Models of one creator side by side, with their standings among the platform's models.
     *
     * @param caller who asks
     * @param creatorId whose models
     * @param modelIds 2 to {@link #MAX_COMPARED} distinct models of the creator
     * @param period the days, in their zone
     * @return the comparison
     */
    public ModelComparison compare(Caller caller, String creatorId, List<String> modelIds, ReportPeriod period) {
        Checks.requireId("creatorId", creatorId);
        ReportSupport.requirePresent("period", period);
        if (modelIds == null || new HashSet<>(modelIds).size() != modelIds.size() || modelIds.size() < 2
                || modelIds.size() > MAX_COMPARED) {
            throw new InvalidInputException("modelIds", "modelIds is " + modelIds + "; allowed: 2 to " + MAX_COMPARED
                    + " distinct models of the creator");
        }
        modelIds.forEach(m -> Checks.requireId("modelIds", m));
        DateRange range = period.resolve(clock.instant());
        String[] ids = modelIds.toArray(new String[0]);
        Map<String, List<ModelComparison.Standing>> standings = new HashMap<>();
        Map<String, Series> perModel = tx.inSnapshot("comparing models of creator '" + creatorId + "'", Scope.of(caller),
                (h, attempt) -> {
                    access.requireCreatorData(h, caller, creatorId);
                    access.requireModels(h, caller, modelIds, creatorId);
                    Map<String, Series> series = new LinkedHashMap<>();
                    for (String id : ids) {
                        series.put(id, series(h, creatorId, Optional.of(new String[] {id}), range));
                    }
                    return series;
                });
        // Other creators' models are read in the service scope; only positions leave it.
        boolean anonymized = caller instanceof Caller.Creator;
        tx.inSnapshot("ranking models of creator '" + creatorId + "'", Scope.SERVICE, (h, attempt) -> {
            standings.clear();
            Slots slots = Slots.of(range);
            Map<String, List<ModelEarned>> byType = new TreeMap<>();
            h.createQuery("SELECT usage_type, model_id, MIN(creator_id) AS creator_id, SUM(earnings - reversed) AS e"
                    + " FROM <t>model_usage_slots WHERE slot >= :from AND slot < :to AND usage_type IN (SELECT usage_type"
                    + " FROM <t>model_usage_slots WHERE model_id = ANY(:ids) AND slot >= :from AND slot < :to AND uses > 0)"
                    + " GROUP BY usage_type, model_id HAVING SUM(uses) > 0")
                    .bind("from", slots.from()).bind("to", slots.to()).bind("ids", ArrayColumns.textArray(ids))
                    .map((rs, ctx) -> byType.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new ModelEarned(rs.getString(2), rs.getString(3), rs.getBigDecimal(4))))
                    .list();
            for (Map.Entry<String, List<ModelEarned>> type : byType.entrySet()) {
                List<ModelEarned> rows = type.getValue();
                long creators = rows.stream().map(ModelEarned::creatorId).distinct().count();
                if (anonymized && creators < minimumCreators) {
                    continue;
                }
                for (String id : ids) {
                    Optional<ModelEarned> own = rows.stream().filter(r -> r.modelId().equals(id)).findFirst();
                    if (own.isEmpty()) {
                        continue;
                    }
                    BigDecimal mine = own.get().earned();
                    long above = rows.stream().filter(r -> r.earned().compareTo(mine) > 0).count();
                    long below = rows.stream().filter(r -> r.earned().compareTo(mine) < 0).count();
                    BigDecimal percentile = BigDecimal.valueOf(below * 100L)
                            .divide(BigDecimal.valueOf(rows.size()), 1, RoundingMode.HALF_EVEN);
                    standings.computeIfAbsent(id, k -> new ArrayList<>()).add(new ModelComparison.Standing(type.getKey(),
                            above + 1, rows.size(), percentile));
                }
            }
            return null;
        });
        BigDecimal total = perModel.values().stream().flatMap(s -> java.util.Arrays.stream(s.earnings))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        List<ModelComparison.Entry> entries = new ArrayList<>();
        for (String id : ids) {
            Series s = perModel.get(id);
            long uses = java.util.Arrays.stream(s.uses).sum();
            BigDecimal earned = java.util.Arrays.stream(s.earnings).reduce(BigDecimal.ZERO, BigDecimal::add);
            List<TrendPoint> trend = new ArrayList<>();
            for (int i = 0; i < s.uses.length; i++) {
                trend.add(new TrendPoint(range.from().plusDays(i), money(s.earnings[i]), s.uses[i]));
            }
            long earning = java.util.Arrays.stream(s.earning).sum();
            BigDecimal reversed = java.util.Arrays.stream(s.reversed).reduce(BigDecimal.ZERO, BigDecimal::add);
            entries.add(new ModelComparison.Entry(id, uses, earning, money(earned), money(reversed),
                    uses == 0 ? Optional.empty() : Optional.of(earned.divide(BigDecimal.valueOf(uses), Money.SCALE,
                            RoundingMode.HALF_EVEN)),
                    total.signum() == 0 ? Optional.empty() : Optional.of(earned.divide(total, SHARE_SCALE,
                            RoundingMode.HALF_EVEN)),
                    trend, standings.getOrDefault(id, List.of())));
        }
        return new ModelComparison(range, entries);
    }

    // ------------------------------------------------------------------ market insights

    /**
     * The platform's patterns in a period; for a creator, only aggregates over at least
     * {@code minimumCreators} creators.
     *
     * @param caller an admin, or any known creator
     * @param period the days, in their zone
     * @return the insights
     */
    public MarketInsights market(Caller caller, ReportPeriod period) {
        ReportSupport.requirePresent("period", period);
        DateRange range = period.resolve(clock.instant());
        DateRange previous = range.previous();
        boolean anonymized = caller instanceof Caller.Creator;
        tx.inSnapshot("checking the caller of market insights", Scope.of(caller), (h, attempt) -> {
            access.requireKnown(h, caller);
            return null;
        });
        // Every model's rows are read in the service scope; a creator gets aggregates only.
        return tx.inSnapshot("reading market insights", anonymized ? Scope.SERVICE : Scope.of(caller), (h, attempt) -> {
            Slots slots = Slots.of(range);
            String rows = " FROM <t>model_usage_slots WHERE slot >= :from AND slot < :to";
            Dimension types = dimension(h, "usage_type", rows, slots, Function.identity());
            Dimension hours = dimension(h, slots.hour("slot", "z"), rows, slots,
                    k -> String.format(Locale.ROOT, "%02d", Integer.parseInt(k)));
            Dimension weekdays = dimension(h, "MOD(" + slots.day("slot", "z") + " + 3, 7)", rows, slots,
                    k -> DayOfWeek.of(Integer.parseInt(k) + 1).name());
            Optional<Figures> current = shown(total(h, range), anonymized);
            Optional<Figures> past = shown(total(h, previous), anonymized);
            MarketInsights.Growth growth = new MarketInsights.Growth(current, past,
                    current.flatMap(c -> past.flatMap(p -> ratio(BigDecimal.valueOf(c.uses()), BigDecimal.valueOf(p.uses())))),
                    current.flatMap(c -> past.flatMap(p -> ratio(c.earnings().amount(), p.earnings().amount()))));
            List<String> hourKeys = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                hourKeys.add(String.format(Locale.ROOT, "%02d", i));
            }
            List<String> dayKeys = java.util.Arrays.stream(DayOfWeek.values()).map(Enum::name).collect(Collectors.toList());
            return new MarketInsights(range, minimumCreators, anonymized,
                    buckets(h, new ArrayList<>(new java.util.TreeSet<>(types.cells.keySet())), types, anonymized),
                    buckets(h, hourKeys, hours, anonymized), buckets(h, dayKeys, weekdays, anonymized), growth,
                    concentration(h, range, anonymized));
        });
    }

    /** A slice's sums and how many models and creators it covers. */
    private static final class Cell {
        String raw;
        long uses;
        BigDecimal earnings = BigDecimal.ZERO;
        long models;
        long creators;
    }

    /** One way of slicing the period: its cells by key, and the statement that made them. */
    /** A model's earnings net of reversals over a period, and whose model it is. */
    private record ModelEarned(String modelId, String creatorId, BigDecimal earned) {
    }

    private record Dimension(Map<String, Cell> cells, String key, String rows, Slots slots) {
    }

    /**
     * Slices of the period's quarter hours by a key expression, summed and counted in the statement
     * (distinct models and creators of the slices' used rows), one row per slice.
     */
    private Dimension dimension(Handle h, String key, String rows, Slots slots, Function<String, String> display) {
        Query query = h.createQuery("SELECT k, SUM(uses) AS uses, SUM(e) AS e,"
                + " COUNT(DISTINCT CASE WHEN uses > 0 THEN model_id END) AS models,"
                + " COUNT(DISTINCT CASE WHEN uses > 0 THEN creator_id END) AS creators FROM (SELECT " + key
                + " AS k, uses, earnings - reversed AS e, model_id, creator_id" + rows + ") x GROUP BY k")
                .bind("from", slots.from()).bind("to", slots.to());
        slots.bind(query, "z");
        Map<String, Cell> cells = new HashMap<>();
        query.map((rs, ctx) -> {
            Cell cell = new Cell();
            cell.raw = rs.getString("k");
            cell.uses = rs.getLong("uses");
            cell.earnings = rs.getBigDecimal("e");
            cell.models = rs.getLong("models");
            cell.creators = rs.getLong("creators");
            return cells.put(display.apply(cell.raw), cell);
        }).list();
        return new Dimension(cells, key, rows, slots);
    }

    /**
     * The whole period's sums and distinct models and creators: the UTC days wholly inside it from
     * the daily rollups, its ends from the quarter hours ({@link Slots#rows}).
     */
    private Cell total(Handle h, DateRange range) {
        Query query = h.createQuery("SELECT COALESCE(SUM(uses), 0) AS uses, COALESCE(SUM(earnings - reversed), 0) AS e,"
                + " COUNT(DISTINCT CASE WHEN uses > 0 THEN model_id END) AS models,"
                + " COUNT(DISTINCT CASE WHEN uses > 0 THEN creator_id END) AS creators FROM ("
                + Slots.rows(range, "model_id, creator_id, uses, earnings, reversed", "t") + ") x");
        return Slots.bindRows(query, range, "t").map((rs, ctx) -> {
            Cell cell = new Cell();
            cell.uses = rs.getLong("uses");
            cell.earnings = rs.getBigDecimal("e");
            cell.models = rs.getLong("models");
            cell.creators = rs.getLong("creators");
            return cell;
        }).one();
    }

    private Optional<Figures> shown(Cell cell, boolean anonymized) {
        if (cell == null) {
            return anonymized && minimumCreators > 0 ? Optional.empty()
                    : Optional.of(new Figures(0, money(BigDecimal.ZERO), 0, 0));
        }
        if (anonymized && cell.creators < minimumCreators) {
            return Optional.empty();
        }
        return Optional.of(new Figures(cell.uses, money(cell.earnings), cell.models, cell.creators));
    }

    /**
     * One dimension's buckets. For a creator, a bucket over fewer than k creators is withheld; and
     * since the dimension's total is shown elsewhere, the withheld buckets together must cover at
     * least k creators too (counted in one more statement, only then), or their sum could be had by
     * subtraction: otherwise the whole dimension is withheld.
     */
    private List<Bucket> buckets(Handle h, List<String> keys, Dimension dimension, boolean anonymized) {
        List<String> withheld = new ArrayList<>();
        for (String key : keys) {
            Cell c = dimension.cells().get(key);
            if (anonymized && c != null && c.creators > 0 && c.creators < minimumCreators) {
                withheld.add(c.raw);
            }
        }
        boolean all = !withheld.isEmpty() && creatorsOf(h, dimension, withheld) < minimumCreators;
        List<Bucket> buckets = new ArrayList<>();
        for (String key : keys) {
            buckets.add(new Bucket(key, all ? Optional.empty() : shown(dimension.cells().get(key), anonymized)));
        }
        return buckets;
    }

    /** The distinct creators whose models were used in some slices of a dimension. */
    private long creatorsOf(Handle h, Dimension dimension, List<String> rawKeys) {
        Query query = h.createQuery("SELECT COUNT(DISTINCT creator_id) FROM (SELECT CAST(" + dimension.key()
                + " AS VARCHAR(64)) AS k, uses, creator_id" + dimension.rows() + ") x WHERE uses > 0 AND k = ANY(:keys)")
                .bind("from", dimension.slots().from()).bind("to", dimension.slots().to())
                .bind("keys", ArrayColumns.textArray(rawKeys.toArray(new String[0])));
        dimension.slots().bind(query, "z");
        return query.mapTo(Long.class).one();
    }

    private static Optional<BigDecimal> ratio(BigDecimal now, BigDecimal before) {
        return before.signum() == 0 ? Optional.empty()
                : Optional.of(now.subtract(before).divide(before, SHARE_SCALE, RoundingMode.HALF_EVEN));
    }

    /** The top 1% and 10% of models by earnings, and their share; withheld from a creator when a group spans fewer than k creators. */
    private MarketInsights.Concentration concentration(Handle h, DateRange range, boolean anonymized) {
        List<ModelEarned> models = new ArrayList<>();
        Query query = h.createQuery("SELECT model_id, MIN(creator_id), SUM(earnings - reversed) FROM ("
                + Slots.rows(range, "model_id, creator_id, earnings, reversed", "c") + ") x"
                + " GROUP BY model_id HAVING SUM(earnings - reversed) > 0");
        Slots.bindRows(query, range, "c")
                .map((rs, ctx) -> models.add(new ModelEarned(rs.getString(1), rs.getString(2), rs.getBigDecimal(3))))
                .list();
        models.sort(Comparator.comparing(ModelEarned::earned).reversed().thenComparing(ModelEarned::modelId));
        BigDecimal total = models.stream().map(ModelEarned::earned).reduce(BigDecimal.ZERO, BigDecimal::add);
        return new MarketInsights.Concentration(models.size(), share(models, total, 100, anonymized),
                share(models, total, 10, anonymized));
    }

    /** The share of the top {@code 1/divisor} of the models (at least one), rounded up to whole models. */
    private Optional<BigDecimal> share(List<ModelEarned> models, BigDecimal total, int divisor, boolean anonymized) {
        if (total.signum() == 0) {
            return Optional.empty();
        }
        int top = Math.max(1, (models.size() + divisor - 1) / divisor);
        List<ModelEarned> group = models.subList(0, top);
        if (anonymized && group.stream().map(ModelEarned::creatorId).distinct().count() < minimumCreators) {
            return Optional.empty();
        }
        BigDecimal sum = group.stream().map(ModelEarned::earned).reduce(BigDecimal.ZERO, BigDecimal::add);
        return Optional.of(sum.divide(total, SHARE_SCALE, RoundingMode.HALF_EVEN));
    }

    private Money money(BigDecimal amount) {
        return ReportSupport.money(currency, amount);
    }
}
