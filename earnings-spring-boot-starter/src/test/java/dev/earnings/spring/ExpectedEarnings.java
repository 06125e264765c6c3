package dev.earnings.spring;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What the library should answer, worked out by a test from what it recorded, with the contract's
 * rules and none of the library's code: a use earns {@code (earningsPerUse + tokens x
 * earningsPerToken) x tier multiplier x type multiplier}, rounded half-even to 12 places; a
 * reversal takes back part of one use and lowers the figures of the day it is made on; a balance is
 * what was earned less what is held, pending and paid out.
 */
final class ExpectedEarnings {
    /** A model as the test registered it. */
    record Model(String id, String creatorId, BigDecimal perUse, BigDecimal perToken) {
        Model(String id, String creatorId, String perUse, String perToken) {
            this(id, creatorId, new BigDecimal(perUse), new BigDecimal(perToken));
        }
    }

    /** A use as the test recorded it: its ordinal is its place among its model's uses. */
    record Use(String eventId, Model model, String userId, long tokens, String type, long ordinal, Instant at) {
        /** What it earns by the pricing formula. */
        BigDecimal earnings() {
            return earned(model, tokens, type, ordinal);
        }

        /** The pricing formula before the multipliers. */
        BigDecimal base() {
            return model.perUse().add(model.perToken().multiply(BigDecimal.valueOf(tokens)));
        }

        LocalDate day() {
            return LocalDate.ofInstant(at, ZoneOffset.UTC);
        }

        String creatorId() {
            return model.creatorId();
        }
    }

    /** A reversal as the test made it, booked on the UTC day it was made. */
    record Reversal(String eventId, BigDecimal amount, LocalDate booked) {
    }

    /** The contract's usage types and their multipliers. */
    private static final Map<String, BigDecimal> TYPES = Map.of("image_generation", new BigDecimal("1.0"), "chat",
            new BigDecimal("0.8"), "other", new BigDecimal("0.6"));

    private final List<Use> uses = new ArrayList<>();
    private final List<Reversal> reversals = new ArrayList<>();
    private final Map<String, Long> counted = new HashMap<>();
    private final Map<String, Long> pendingMinor = new HashMap<>();
    private final Map<String, Long> paidOutMinor = new HashMap<>();

    /** The use a test records next of this model, with the next ordinal. */
    Use use(String eventId, Model model, String userId, long tokens, String type, Instant at) {
        Use use = new Use(eventId, model, userId, tokens, type, counted.merge(model.id(), 1L, Long::sum), at);
        uses.add(use);
        return use;
    }

    void reverse(String eventId, BigDecimal amount, Instant at) {
        reversals.add(new Reversal(eventId, amount, LocalDate.ofInstant(at, ZoneOffset.UTC)));
    }

    void payoutCreated(String creatorId, long minor) {
        pendingMinor.merge(creatorId, minor, Long::sum);
    }

    void payoutCompleted(String creatorId, long minor) {
        pendingMinor.merge(creatorId, -minor, Long::sum);
        paidOutMinor.merge(creatorId, minor, Long::sum);
    }

    Use find(String eventId) {
        return uses.stream().filter(u -> u.eventId().equals(eventId)).findFirst().orElseThrow();
    }

    List<Use> uses(Predicate<Use> which) {
        return uses.stream().filter(which).collect(Collectors.toList());
    }

    /** How many uses of the model were counted: the ordinal of its latest. */
    long counted(String modelId) {
        return counted.getOrDefault(modelId, 0L);
    }

    /** What has been taken back of the use. */
    BigDecimal reversedOf(Use use) {
        return sum(reversals.stream().filter(r -> r.eventId().equals(use.eventId())).map(Reversal::amount).collect(Collectors.toList()));
    }

    /** What the reversals booked in [from, to) took back of these uses. */
    BigDecimal reversedBooked(Predicate<Use> which, LocalDate from, LocalDate to) {
        return sum(reversals.stream().filter(r -> !r.booked().isBefore(from) && r.booked().isBefore(to) && which.test(find(r.eventId())))
                .map(Reversal::amount).collect(Collectors.toList()));
    }

    /** What the uses of [from, to) earned, less what the reversals booked in it took back: a period's figure. */
    BigDecimal net(Predicate<Use> which, LocalDate from, LocalDate to) {
        return gross(which, from, to).subtract(reversedBooked(which, from, to));
    }

    /** What the uses of [from, to) earned as rated. */
    BigDecimal gross(Predicate<Use> which, LocalDate from, LocalDate to) {
        return earnings(uses(u -> which.test(u) && !u.day().isBefore(from) && u.day().isBefore(to)));
    }

    /** Everything the creator's uses earned, less everything reversed of them. */
    BigDecimal earned(String creatorId) {
        List<Use> mine = uses(u -> u.creatorId().equals(creatorId));
        return earnings(mine).subtract(sum(mine.stream().map(this::reversedOf).collect(Collectors.toList())));
    }

    /** What is still held of the creator's earnings today: the net of the uses of the hold's days. */
    BigDecimal held(String creatorId, LocalDate today, int holdDays) {
        if (holdDays == 0) {
            return BigDecimal.ZERO;
        }
        return sum(uses(u -> u.creatorId().equals(creatorId) && !u.day().isBefore(today.minusDays(holdDays))).stream()
                .map(u -> u.earnings().subtract(reversedOf(u))).collect(Collectors.toList()));
    }

    /** The creator's balance, as its JSON form shows it. */
    Map<String, Object> balance(String creatorId, LocalDate today, int holdDays) {
        BigDecimal earned = earned(creatorId);
        BigDecimal held = held(creatorId, today, holdDays);
        BigDecimal pending = BigDecimal.valueOf(pendingMinor.getOrDefault(creatorId, 0L), 2);
        BigDecimal paidOut = BigDecimal.valueOf(paidOutMinor.getOrDefault(creatorId, 0L), 2);
        BigDecimal available = earned.subtract(held).subtract(pending).subtract(paidOut);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("earned", money(earned));
        out.put("held", money(held));
        out.put("pending", money(pending));
        out.put("paidOut", money(paidOut));
        out.put("available", money(available));
        out.put("availableMinor", minor(available));
        out.put("owed", money(available.signum() < 0 ? available.negate() : BigDecimal.ZERO));
        return out;
    }

    /** The whole minor units of an amount, none when it is below zero. */
    static long minor(BigDecimal amount) {
        return amount.signum() <= 0 ? 0 : amount.movePointRight(2).setScale(0, RoundingMode.DOWN).longValueExact();
    }

    /** The pricing formula, rounded as money is. */
    static BigDecimal earned(Model model, long tokens, String type, long ordinal) {
        return model.perUse().add(model.perToken().multiply(BigDecimal.valueOf(tokens))).multiply(tierMultiplier(ordinal))
                .multiply(typeMultiplier(type)).setScale(12, RoundingMode.HALF_EVEN);
    }

    /** The contract's tiers: 1.0 for the first 100 uses of a model, 1.2 to 1,000, 1.5 to 5,000, 2.0 to 10,000, then 2.5. */
    static BigDecimal tierMultiplier(long ordinal) {
        return new BigDecimal(new String[] {"1.0", "1.2", "1.5", "2.0", "2.5"}[tier(ordinal) - 1]);
    }

    static int tier(long ordinal) {
        return ordinal <= 100 ? 1 : ordinal <= 1_000 ? 2 : ordinal <= 5_000 ? 3 : ordinal <= 10_000 ? 4 : 5;
    }

    /** The counted uses after which the tier of the use with this ordinal ends. */
    static long nextThreshold(long ordinal) {
        return new long[] {100, 1_000, 5_000, 10_000}[tier(ordinal) - 1];
    }

    /** The contract's usage types: image_generation 1.0, chat 0.8, other 0.6. */
    static BigDecimal typeMultiplier(String type) {
        return Objects.requireNonNull(TYPES.get(type), type);
    }

    static BigDecimal earnings(List<Use> uses) {
        return sum(uses.stream().map(Use::earnings).collect(Collectors.toList()));
    }

    static BigDecimal sum(List<BigDecimal> amounts) {
        return amounts.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** An amount as the API writes it: 12 decimal places, plain. */
    static String money(BigDecimal amount) {
        return amount.setScale(12, RoundingMode.HALF_EVEN).toPlainString();
    }
}
