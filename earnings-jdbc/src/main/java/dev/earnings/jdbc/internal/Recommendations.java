package dev.earnings.jdbc.internal;

import dev.earnings.core.UsageTier;
import dev.earnings.core.UsageTierSchedule;
import dev.earnings.jdbc.Recommendation;
import java.math.BigInteger;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The recommendation rules, each a {@link Rule} over a creator's models as one query reads them
 * (their counters and their recent daily rollups); the rules are run in order and their
 * recommendations sorted by kind, then model.
 *
 * <ul>
 *   <li>{@link Recommendation.Kind#NEXT_TIER_CLOSE}: a model that has a next tier, and whose
 *       uses to go are at most a tenth of that tier's threshold, or whose pace (its counted uses
 *       of the last {@value #PACE_DAYS} days, today included) reaches the threshold within
 *       {@value #SOON_DAYS} days: {@code days = ceil(togo x 28 / pace)}, exact.
 *   <li>{@link Recommendation.Kind#MONETIZATION_OFF}: a model with monetization off that had
 *       uses in the last {@value #RECENT_DAYS} days, today included.
 *   <li>{@link Recommendation.Kind#USAGE_TYPE_EARNS_MOST}: of the usage types with at least
 *       {@value #MIN_TYPE_USES} of the creator's uses in the last {@value #RECENT_DAYS} days (today
 *       included, from the quarter-hour rollups, net of the reversals booked then), the one that
 *       earned most per use, when it earned at least {@value #TYPE_RATIO_PERCENT}% of what the
 *       next best did: a hint of where the creator's models are worth most.
 * </ul>
 *
 * <p>A rule is added by adding its kind, a figure it needs to {@link ModelFigures} (and to the
 * query) when it needs one, and the rule to {@link #RULES}: a usage-type rule is expected next.
 */
public final class Recommendations {
    /** The days of a model's pace. */
    static final int PACE_DAYS = 28;
    /** Within how many days a pace must reach the next tier to recommend. */
    static final int SOON_DAYS = 14;
    /** The days in which a model with monetization off must have been used. */
    static final int RECENT_DAYS = 30;

    /** What the rules know of a model. */
    record ModelFigures(String modelId, boolean monetized, long countedUses, long countedLast28Days, long usesLast30Days) {
    }

    /** The fewest uses of a usage type for the usage-type rule to compare it. */
    static final int MIN_TYPE_USES = 20;
    /** How much more per use, in percent of the next best, a usage type must earn to be recommended. */
    static final int TYPE_RATIO_PERCENT = 150;

    /** A usage type's uses and net earnings over the creator's models in the recent days. */
    record TypeFigures(String usageType, long uses, java.math.BigDecimal earnings) {
        java.math.BigDecimal perUse() {
            return earnings.divide(java.math.BigDecimal.valueOf(uses), dev.earnings.core.Money.SCALE,
                    java.math.RoundingMode.HALF_EVEN);
        }
    }

    /** What the rules know of the creator and the day. */
    record Context(LocalDate today, UsageTierSchedule tiers, List<ModelFigures> models, List<TypeFigures> types) {
    }

    /** One rule: adds what it recommends. */
    @FunctionalInterface
    interface Rule {
        void apply(Context context, List<Recommendation> out);
    }

    private static final List<Rule> RULES = List.of(Recommendations::nextTierClose, Recommendations::monetizationOff,
            Recommendations::usageTypeEarnsMost);

    private final UsageTierSchedule tiers;
    private final Clock clock;

    /**
     * Creates the rules.
     *
     * @param tiers the deployment's usage tiers
     * @param clock the clock that says which day is today
     */
    public Recommendations(UsageTierSchedule tiers, Clock clock) {
        this.tiers = tiers;
        this.clock = clock;
    }

    /**
     * A creator's recommendations.
     *
     * @param h the transaction, in the caller's scope
     * @param creatorId whose
     * @return the recommendations, by kind, then model
     */
    public List<Recommendation> of(Handle h, String creatorId) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        List<ModelFigures> models = h.createQuery("SELECT m.model_id, m.monetized, COALESCE(c.counted_uses, 0) AS counted,"
                + " (SELECT COALESCE(SUM(a.counted_uses), 0) FROM <t>model_analytics a WHERE a.model_id = m.model_id"
                + " AND a.usage_day >= :paceFrom AND a.usage_day <= :today) AS pace,"
                + " (SELECT COALESCE(SUM(a.uses), 0) FROM <t>model_analytics a WHERE a.model_id = m.model_id"
                + " AND a.usage_day >= :recentFrom AND a.usage_day <= :today) AS recent"
                + " FROM <t>earnings_models m LEFT JOIN <t>model_creator_earnings c ON c.model_id = m.model_id"
                + " WHERE m.creator_id = :creator ORDER BY m.model_id")
                .bind("creator", creatorId).bind("today", today).bind("paceFrom", today.minusDays(PACE_DAYS - 1L))
                .bind("recentFrom", today.minusDays(RECENT_DAYS - 1L))
                .map((rs, ctx) -> new ModelFigures(rs.getString("model_id"), rs.getBoolean("monetized"), rs.getLong("counted"),
                        rs.getLong("pace"), rs.getLong("recent"))).list();
        List<TypeFigures> types = h.createQuery("SELECT usage_type, SUM(uses) AS uses, SUM(earnings - reversed) AS earnings"
                + " FROM <t>model_usage_slots WHERE creator_id = :creator AND slot >= :from AND slot < :to"
                + " GROUP BY usage_type ORDER BY usage_type")
                .bind("creator", creatorId)
                .bind("from", UsageWriter.slotOf(today.minusDays(RECENT_DAYS - 1L).atStartOfDay(ZoneOffset.UTC).toInstant()))
                .bind("to", UsageWriter.slotOf(today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()))
                .map((rs, ctx) -> new TypeFigures(rs.getString("usage_type"), rs.getLong("uses"), rs.getBigDecimal("earnings")))
                .list();
        Context context = new Context(today, tiers, models, types);
        List<Recommendation> out = new ArrayList<>();
        for (Rule rule : RULES) {
            rule.apply(context, out);
        }
        out.sort(Comparator.comparing(Recommendation::kind).thenComparing(r -> r.modelId().orElse("")));
        return out;
    }

    /** How many days a pace of {@code pace} counted uses in 28 days takes to make {@code togo}: rounded up. */
    static long daysToGo(long togo, long pace) {
        BigInteger[] qr = BigInteger.valueOf(togo).multiply(BigInteger.valueOf(PACE_DAYS))
                .divideAndRemainder(BigInteger.valueOf(pace));
        return qr[0].add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO).longValueExact();
    }

    static void nextTierClose(Context context, List<Recommendation> out) {
        for (ModelFigures m : context.models()) {
            UsageTier current = context.tiers().tierFor(m.countedUses());
            Optional<UsageTier> next = context.tiers().next(current);
            if (next.isEmpty()) {
                continue;
            }
            long threshold = next.get().fromPriorUses();
            long togo = threshold - m.countedUses();
            // Within a tenth of the threshold: togo <= threshold / 10, in whole numbers.
            boolean close = togo * 10 <= threshold;
            Optional<Long> days = m.countedLast28Days() > 0 ? Optional.of(daysToGo(togo, m.countedLast28Days()))
                    : Optional.empty();
            boolean soon = days.isPresent() && days.get() <= SOON_DAYS;
            if (!close && !soon) {
                continue;
            }
            Map<String, String> figures = new LinkedHashMap<>();
            figures.put("countedUses", Long.toString(m.countedUses()));
            figures.put("nextTier", Integer.toString(next.get().index()));
            figures.put("threshold", Long.toString(threshold));
            figures.put("usesToGo", Long.toString(togo));
            figures.put("countedUsesLast28Days", Long.toString(m.countedLast28Days()));
            String reason = "Model '" + m.modelId() + "' needs " + togo + " more counted uses to reach tier "
                    + next.get().index() + " (from " + threshold + " counted uses, multiplier "
                    + next.get().multiplier().stripTrailingZeros().toPlainString() + "x)";
            if (days.isPresent()) {
                LocalDate expected = context.today().plusDays(days.get());
                figures.put("daysToGo", Long.toString(days.get()));
                figures.put("expectedDay", expected.toString());
                reason += "; at its pace of " + m.countedLast28Days() + " counted uses in the last " + PACE_DAYS
                        + " days it gets there in " + days.get() + (days.get() == 1 ? " day" : " days") + ", on " + expected + ".";
            } else {
                reason += "; it had no counted uses in the last " + PACE_DAYS + " days.";
            }
            out.add(new Recommendation(Recommendation.Kind.NEXT_TIER_CLOSE, Optional.of(m.modelId()), reason, figures));
        }
    }

    static void monetizationOff(Context context, List<Recommendation> out) {
        for (ModelFigures m : context.models()) {
            if (m.monetized() || m.usesLast30Days() == 0) {
                continue;
            }
            out.add(new Recommendation(Recommendation.Kind.MONETIZATION_OFF, Optional.of(m.modelId()), "Model '" + m.modelId()
                    + "' had " + m.usesLast30Days() + (m.usesLast30Days() == 1 ? " use" : " uses") + " in the last "
                    + RECENT_DAYS + " days with monetization off, which earned nothing; turn monetization on to earn from"
                    + " its uses.", Map.of("usesLast30Days", Long.toString(m.usesLast30Days()))));
        }
    }

    static void usageTypeEarnsMost(Context context, List<Recommendation> out) {
        List<TypeFigures> compared = context.types().stream().filter(t -> t.uses() >= MIN_TYPE_USES)
                .sorted(Comparator.comparing(TypeFigures::perUse).reversed().thenComparing(TypeFigures::usageType)).toList();
        if (compared.size() < 2 || compared.get(1).perUse().signum() <= 0) {
            return;
        }
        TypeFigures best = compared.get(0);
        TypeFigures next = compared.get(1);
        // best >= next x 150 / 100, in exact decimals.
        if (best.perUse().multiply(java.math.BigDecimal.valueOf(100))
                .compareTo(next.perUse().multiply(java.math.BigDecimal.valueOf(TYPE_RATIO_PERCENT))) < 0) {
            return;
        }
        java.math.BigDecimal ratio = best.perUse().divide(next.perUse(), 2, java.math.RoundingMode.HALF_EVEN);
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("usageType", best.usageType());
        figures.put("uses", Long.toString(best.uses()));
        figures.put("earningsPerUse", best.perUse().toPlainString());
        figures.put("comparedWith", next.usageType());
        figures.put("comparedUses", Long.toString(next.uses()));
        figures.put("comparedEarningsPerUse", next.perUse().toPlainString());
        figures.put("ratio", ratio.toPlainString());
        out.add(new Recommendation(Recommendation.Kind.USAGE_TYPE_EARNS_MOST, Optional.empty(), "Uses of type '"
                + best.usageType() + "' earned " + best.perUse().stripTrailingZeros().toPlainString() + " per use in the last "
                + RECENT_DAYS + " days (" + best.uses() + " uses), " + ratio.toPlainString() + " times the "
                + next.perUse().stripTrailingZeros().toPlainString() + " of type '" + next.usageType() + "' (" + next.uses()
                + " uses): models offered for '" + best.usageType() + "' earn most per use.", figures));
    }
}
