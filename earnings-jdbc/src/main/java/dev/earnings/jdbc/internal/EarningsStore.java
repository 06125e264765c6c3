package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.EarningsException;
import dev.earnings.jdbc.BatchResult;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import dev.earnings.core.EarningsResult;
import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.Money;
import dev.earnings.core.NoEarningsReason;
import dev.earnings.core.UsageTier;
import dev.earnings.core.UsageType;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.ModelConflictException;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UnknownModelException;
import dev.earnings.jdbc.UsageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Currency;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The transactions behind the public API: the model registry and recording a use.
 *
 * <p>Every write that touches a model's figures first updates the model's row in
 * {@code model_creator_earnings}. That row lock serializes the model's uses across threads and
 * processes, so the counted-uses figure read right after it is this use's ordinal, and the
 * select-then-insert of the daily rows cannot race. Pricing changes take the same lock, so a use
 * is rated with the pricing in force at the moment it takes its ordinal.
 */
public final class EarningsStore {
    private final Transactor tx;
    private final Tables t;
    private final EarningsCalculator calculator;
    private final Clock clock;
    private final Duration maxAge;
    private final Duration maxAhead;

    private final String findEvent;
    private final String lockAndCount;
    private final String readModelForUse;
    private final String insertUse;
    private final String addToAggregate;
    private final String findDailyUser;
    private final String insertDailyUser;
    private final String addToDay;
    private final String insertDay;
    private final String lockModels;
    private final String insertUses;
    private final String readModelsForBatch;
    private final String addToModels;
    private final String addToDays;
    private final String insertNewDailyUsers;

    /**
     * Creates the store.
     *
     * @param tx the transaction runner
     * @param tables the schema's tables
     * @param dialect the database
     * @param calculator the rating rules
     * @param clock the clock for "now"
     * @param maxAge how far back a host-given occurredAt may lie
     * @param maxAhead how far ahead a host-given occurredAt may lie
     */
    public EarningsStore(Transactor tx, Tables tables, Dialect dialect, EarningsCalculator calculator, Clock clock,
            Duration maxAge, Duration maxAhead) {
        this.tx = tx;
        this.t = tables;
        this.calculator = calculator;
        this.clock = clock;
        this.maxAge = maxAge;
        this.maxAhead = maxAhead;
        this.findEvent = t.sql(USE_COLUMNS + " WHERE u.event_id = ?");
        this.lockAndCount = t.sql("UPDATE {t}model_creator_earnings SET total_uses = total_uses + 1,"
                + " counted_uses = counted_uses + CASE WHEN creator_id = ? THEN ? ELSE 1 END WHERE model_id = ?");
        this.readModelForUse = t.sql(MODEL_STATE_SELECT + "a.model_id = ?");
        this.insertUse = t.sql(INSERT_USE + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.addToAggregate = t.sql("UPDATE {t}model_creator_earnings SET total_tokens = total_tokens + ?,"
                + " lifetime_earnings = lifetime_earnings + ?,"
                + " last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END"
                + " WHERE model_id = ?");
        this.findDailyUser = t.sql("SELECT 1 FROM {t}model_daily_users WHERE model_id = ? AND usage_day = ? AND user_id = ?");
        this.insertDailyUser = t.sql("INSERT INTO {t}model_daily_users (model_id, usage_day, user_id, creator_id)"
                + " VALUES (?, ?, ?, ?)");
        this.addToDay = t.sql("UPDATE {t}model_analytics SET uses = uses + 1, counted_uses = counted_uses + ?,"
                + " earning_uses = earning_uses + ?, tokens = tokens + ?, earnings = earnings + ?,"
                + " unique_users = unique_users + ? WHERE model_id = ? AND usage_day = ?");
        this.insertDay = t.sql("INSERT INTO {t}model_analytics (model_id, usage_day, creator_id, uses, counted_uses,"
                + " earning_uses, tokens, earnings, unique_users) VALUES (?, ?, ?, 1, ?, ?, ?, ?, 1)");
        // The batch path sends each table's changes as one statement over arrays (SQL-standard
        // MERGE and UNNEST, which H2 and PostgreSQL 15+ both run), so a batch spread over hundreds
        // of models costs a handful of statements instead of one per model and day. Amounts travel
        // as decimal strings and are cast to NUMERIC on the server: nothing is rounded on the way.
        StringBuilder arrays = new StringBuilder();
        for (int i = 0; i < UseRows.TYPES.length; i++) {
            arrays.append(i == 0 ? "" : ", ").append("CAST(:c").append(i).append(" AS ").append(UseRows.TYPES[i]).append(" ARRAY)");
        }
        this.insertUses = t.sql(INSERT_USE + " SELECT * FROM UNNEST(" + arrays + ")");
        this.lockModels = t.sql("SELECT model_id FROM {t}model_creator_earnings WHERE model_id = ANY(:ids)"
                + " ORDER BY model_id FOR UPDATE");
        this.readModelsForBatch = t.sql(MODEL_STATE_SELECT + "a.model_id = ANY(:ids)");
        this.addToModels = t.sql("MERGE INTO {t}model_creator_earnings a USING (SELECT * FROM UNNEST("
                + "CAST(:models AS VARCHAR ARRAY), CAST(:uses AS BIGINT ARRAY), CAST(:counted AS BIGINT ARRAY),"
                + " CAST(:tokens AS BIGINT ARRAY), CAST(:earnings AS NUMERIC(38, 12) ARRAY),"
                + " CAST(:lastUsed AS TIMESTAMP WITH TIME ZONE ARRAY))"
                + " AS v (model_id, uses, counted, tokens, earnings, last_used)) v ON a.model_id = v.model_id"
                + " WHEN MATCHED THEN UPDATE SET total_uses = a.total_uses + v.uses,"
                + " counted_uses = a.counted_uses + v.counted, total_tokens = a.total_tokens + v.tokens,"
                + " lifetime_earnings = a.lifetime_earnings + v.earnings,"
                + " last_used_at = CASE WHEN a.last_used_at IS NULL OR a.last_used_at < v.last_used THEN v.last_used"
                + " ELSE a.last_used_at END");
        String newDailyUsers = "INSERT INTO {t}model_daily_users (model_id, usage_day, user_id, creator_id)"
                + " SELECT v.model_id, v.usage_day, v.user_id, v.creator_id FROM UNNEST(CAST(:models AS VARCHAR ARRAY),"
                + " CAST(:days AS DATE ARRAY), CAST(:users AS VARCHAR ARRAY), CAST(:creators AS VARCHAR ARRAY))"
                + " AS v (model_id, usage_day, user_id, creator_id) WHERE NOT EXISTS (SELECT 1 FROM {t}model_daily_users d"
                + " WHERE d.model_id = v.model_id AND d.usage_day = v.usage_day AND d.user_id = v.user_id)";
        // The rows an INSERT wrote: PostgreSQL returns them, H2 reads them from the data change
        // delta table; the only statement whose text differs between the two.
        this.insertNewDailyUsers = t.sql(dialect == Dialect.POSTGRESQL ? newDailyUsers + " RETURNING model_id, usage_day"
                : "SELECT model_id, usage_day FROM FINAL TABLE (" + newDailyUsers + ")");
        this.addToDays = t.sql("MERGE INTO {t}model_analytics d USING (SELECT * FROM UNNEST("
                + "CAST(:models AS VARCHAR ARRAY), CAST(:days AS DATE ARRAY), CAST(:creators AS VARCHAR ARRAY),"
                + " CAST(:uses AS BIGINT ARRAY), CAST(:counted AS BIGINT ARRAY), CAST(:earning AS BIGINT ARRAY),"
                + " CAST(:tokens AS BIGINT ARRAY), CAST(:earnings AS NUMERIC(38, 12) ARRAY), CAST(:users AS BIGINT ARRAY))"
                + " AS v (model_id, usage_day, creator_id, uses, counted_uses, earning_uses, tokens, earnings,"
                + " unique_users)) v ON d.model_id = v.model_id AND d.usage_day = v.usage_day"
                + " WHEN MATCHED THEN UPDATE SET uses = d.uses + v.uses, counted_uses = d.counted_uses + v.counted_uses,"
                + " earning_uses = d.earning_uses + v.earning_uses, tokens = d.tokens + v.tokens,"
                + " earnings = d.earnings + v.earnings, unique_users = d.unique_users + v.unique_users"
                + " WHEN NOT MATCHED THEN INSERT (model_id, usage_day, creator_id, uses, counted_uses, earning_uses, tokens,"
                + " earnings, unique_users) VALUES (v.model_id, v.usage_day, v.creator_id, v.uses, v.counted_uses,"
                + " v.earning_uses, v.tokens, v.earnings, v.unique_users)");
    }

    /** A model's figures and pricing as {@link #MODEL_STATE} reads them; the filter follows. */
    private static final String MODEL_STATE_SELECT = "SELECT a.model_id, a.counted_uses, m.creator_id,"
            + " m.pricing_version, m.earnings_per_use, m.earnings_per_token, m.monetized FROM {t}model_creator_earnings a"
            + " JOIN {t}earnings_models m ON m.model_id = a.model_id WHERE ";

    /** The usage row's columns, in the order {@code bindUse} and {@code UseRows} give them. */
    private static final String INSERT_USE = "INSERT INTO {t}model_usage_logs (event_id, model_id, creator_id, user_id,"
            + " tokens_consumed, usage_type, requested_usage_type, occurred_at, occurred_at_given, usage_day,"
            + " recorded_at, use_ordinal, prior_counted_uses, self_use, tier_index, tier_threshold,"
            + " tier_multiplier, type_multiplier, pricing_version, token_part, base_amount, earnings, reason,"
            + " metadata)";

    private static final String USE_COLUMNS = "SELECT u.event_id, u.model_id, u.creator_id, u.user_id,"
            + " u.tokens_consumed, u.usage_type, u.requested_usage_type, u.occurred_at, u.recorded_at, u.use_ordinal,"
            + " u.prior_counted_uses, u.self_use, u.tier_index, u.tier_threshold, u.tier_multiplier,"
            + " u.type_multiplier, u.pricing_version, u.token_part, u.base_amount, u.earnings, u.reason, u.metadata,"
            + " p.earnings_per_use, p.earnings_per_token, p.monetized"
            + " FROM {t}model_usage_logs u JOIN {t}earnings_model_pricing p"
            + " ON p.model_id = u.model_id AND p.version = u.pricing_version";

    // ---------------------------------------------------------------- settings

    /**
     * Stores the deployment's currency on first start and refuses to run with another one, since
     * every stored amount is in it.
     */
    public void checkSettings() {
        String currency = calculator.currency().getCurrencyCode();
        String stored = tx.inTransaction("checking the stored settings", h -> {
            Optional<String> existing = h.createQuery(t.sql("SELECT setting_value FROM {t}earnings_settings WHERE setting_name = 'currency'"))
                    .mapTo(String.class).findOne();
            if (existing.isEmpty()) {
                h.createUpdate(t.sql("INSERT INTO {t}earnings_settings (setting_name, setting_value) VALUES ('currency', ?)"))
                        .bind(0, currency).execute();
                return currency;
            }
            return existing.get();
        });
        if (!stored.equals(currency)) {
            throw new InvalidConfigurationException("currency", "the database holds amounts in " + stored
                    + " but the calculator is configured for " + currency
                    + "; allowed: the currency the database was created with, one per deployment");
        }
    }

    // ---------------------------------------------------------------- registry

    /**
     * Registers a model, or returns it as it stands when it is already registered to the same creator.
     *
     * @param modelId the model
     * @param creatorId its creator
     * @param pricing its first pricing
     * @return the model
     */
    public Model register(String modelId, String creatorId, ModelPricing pricing) {
        Checks.requireId("modelId", modelId);
        Checks.requireId("creatorId", creatorId);
        requirePresent("pricing", pricing);
        return tx.inTransaction("registering model '" + modelId + "'", h -> {
            Optional<Model> existing = find(h, modelId);
            if (existing.isPresent()) {
                Model model = existing.get();
                if (!model.creatorId().equals(creatorId)) {
                    throw new ModelConflictException("modelId '" + modelId + "' is already registered to another creator;"
                            + " allowed: one creator per model, registered once");
                }
                // The pricing given applies to the first registration only; later changes go through
                // changePricing, so a host registering its catalogue on every start never undoes them.
                return model;
            }
            Instant now = now();
            h.createUpdate(t.sql("INSERT INTO {t}earnings_models (model_id, creator_id, pricing_version, earnings_per_use,"
                    + " earnings_per_token, monetized, registered_at, pricing_since) VALUES (?, ?, 1, ?, ?, ?, ?, ?)"))
                    .bind(0, modelId).bind(1, creatorId).bind(2, pricing.earningsPerUse())
                    .bind(3, pricing.earningsPerToken()).bind(4, pricing.monetized())
                    .bind(5, Tables.utc(now)).bind(6, Tables.utc(now)).execute();
            insertPricingVersion(h, modelId, 1, pricing, now);
            // A creator's first model creates the creator's row, the lock their payouts take.
            h.createUpdate(t.sql("INSERT INTO {t}earnings_creators (creator_id, first_seen_at) SELECT ?, ?"
                    + " WHERE NOT EXISTS (SELECT 1 FROM {t}earnings_creators WHERE creator_id = ?)"))
                    .bind(0, creatorId).bind(1, Tables.utc(now)).bind(2, creatorId).execute();
            h.createUpdate(t.sql("INSERT INTO {t}model_creator_earnings (model_id, creator_id, counted_uses, total_uses,"
                    + " total_tokens, lifetime_earnings) VALUES (?, ?, 0, 0, 0, 0)"))
                    .bind(0, modelId).bind(1, creatorId).execute();
            return new Model(modelId, creatorId, pricing, 1, now, now);
        });
    }

    /**
     * Gives a model a new pricing version, effective for uses recorded afterwards.
     *
     * @param modelId the model
     * @param pricing the new pricing
     * @return the model with its new pricing; unchanged when the pricing is the same
     */
    public Model changePricing(String modelId, ModelPricing pricing) {
        Checks.requireId("modelId", modelId);
        requirePresent("pricing", pricing);
        return repriceUnderLock(modelId, "changing the pricing of model '" + modelId + "'", current -> pricing);
    }

    /**
     * Switches monetization, keeping the prices in force at that moment; a new pricing version when
     * it changes. The read and the write happen under the model's lock, so a concurrent price
     * change is never undone.
     *
     * @param modelId the model
     * @param monetized whether its uses earn from now on
     * @return the model
     */
    public Model setMonetized(String modelId, boolean monetized) {
        Checks.requireId("modelId", modelId);
        return repriceUnderLock(modelId, "switching monetization of model '" + modelId + "'",
                current -> current.withMonetized(monetized));
    }

    private Model repriceUnderLock(String modelId, String what, UnaryOperator<ModelPricing> change) {
        return tx.inTransaction(what, h -> {
            int locked = h.createUpdate(t.sql("UPDATE {t}model_creator_earnings SET total_uses = total_uses WHERE model_id = ?"))
                    .bind(0, modelId).execute();
            Model model = find(h, modelId).filter(m -> locked == 1).orElseThrow(() -> new UnknownModelException(modelId));
            ModelPricing pricing = change.apply(model.pricing());
            if (model.pricing().equals(pricing)) {
                return model;
            }
            int version = model.pricingVersion() + 1;
            Instant now = now();
            insertPricingVersion(h, modelId, version, pricing, now);
            h.createUpdate(t.sql("UPDATE {t}earnings_models SET pricing_version = ?, earnings_per_use = ?,"
                    + " earnings_per_token = ?, monetized = ?, pricing_since = ? WHERE model_id = ?"))
                    .bind(0, version).bind(1, pricing.earningsPerUse()).bind(2, pricing.earningsPerToken())
                    .bind(3, pricing.monetized()).bind(4, Tables.utc(now)).bind(5, modelId).execute();
            return new Model(modelId, model.creatorId(), pricing, version, model.registeredAt(), now);
        });
    }

    /**
     * Looks a model up.
     *
     * @param modelId the model
     * @return the model, or empty when it is not registered
     */
    public Optional<Model> find(String modelId) {
        Checks.requireId("modelId", modelId);
        return tx.read("reading model '" + modelId + "'", h -> find(h, modelId));
    }

    /** A model as it stands, in a running transaction; the registry and the reports share it. */
    static Optional<Model> find(Handle h, Tables t, String modelId) {
        return h.createQuery(t.sql("SELECT model_id, creator_id, pricing_version, earnings_per_use, earnings_per_token,"
                + " monetized, registered_at, pricing_since FROM {t}earnings_models WHERE model_id = ?"))
                .bind(0, modelId)
                .map((rs, ctx) -> new Model(rs.getString("model_id"), rs.getString("creator_id"),
                        new ModelPricing(rs.getBigDecimal("earnings_per_use"), rs.getBigDecimal("earnings_per_token"),
                                rs.getBoolean("monetized")),
                        rs.getInt("pricing_version"), Tables.instant(rs, "registered_at"), Tables.instant(rs, "pricing_since")))
                .findOne();
    }

    private Optional<Model> find(Handle h, String modelId) {
        return find(h, t, modelId);
    }

    private void insertPricingVersion(Handle h, String modelId, int version, ModelPricing pricing, Instant from) {
        h.createUpdate(t.sql("INSERT INTO {t}earnings_model_pricing (model_id, version, earnings_per_use,"
                + " earnings_per_token, monetized, effective_from) VALUES (?, ?, ?, ?, ?, ?)"))
                .bind(0, modelId).bind(1, version).bind(2, pricing.earningsPerUse()).bind(3, pricing.earningsPerToken())
                .bind(4, pricing.monetized()).bind(5, Tables.utc(from)).execute();
    }

    // ---------------------------------------------------------------- usage

    /**
     * Records one use exactly once: validates everything first, then writes the usage row, the
     * model aggregate and the daily rollup in one transaction, or returns the original record for a
     * replayed eventId.
     *
     * @param request the use
     * @return the recorded use
     */
    public RecordedUse logUsage(UsageRequest request) {
        requirePresent("request", request);
        // A replay is answered before the rules for new uses are applied: an eventId is accepted
        // once, forever, even after its occurredAt has left the window or the configuration changed.
        if (request.eventId().isPresent()) {
            Optional<StoredUse> earlier = tx.read("looking up eventId '" + request.eventId().get() + "'",
                    h -> h.createQuery(findEvent).bind(0, request.eventId().get()).map(this::readUse).findOne());
            if (earlier.isPresent()) {
                return replay(earlier.get(), request);
            }
        }
        calculator.requireTokens(request.tokensConsumed());
        UsageType type = calculator.usageTypes().resolve(request.usageType());
        Instant now = now();
        request.occurredAt().ifPresent(at -> requireWithinWindow(at, now));
        String eventId = request.eventId().orElseGet(() -> EventIds.next());
        try {
            return tx.inTransaction("recording a use of model '" + request.modelId() + "' (eventId '" + eventId + "')",
                    h -> record(h, request, type, eventId));
        } catch (StorageException e) {
            throw e.withEventId(eventId);
        }
    }

    private RecordedUse record(Handle h, UsageRequest request, UsageType type, String eventId) {
        Optional<StoredUse> earlier = h.createQuery(findEvent).bind(0, eventId).map(this::readUse).findOne();
        if (earlier.isPresent()) {
            return replay(earlier.get(), request);
        }
        String modelId = request.modelId();
        String userId = request.userId();
        int selfIncrement = calculator.counts(true) ? 1 : 0;
        int locked = h.createUpdate(lockAndCount).bind(0, userId).bind(1, selfIncrement).bind(2, modelId).execute();
        if (locked == 0) {
            throw new UnknownModelException(modelId);
        }
        ModelState state = h.createQuery(readModelForUse).bind(0, modelId).map(MODEL_STATE).one();
        boolean selfUse = state.creatorId.equals(userId);
        boolean counted = calculator.counts(selfUse);
        long prior = counted ? state.countedUses - 1 : state.countedUses;
        EarningsResult result = calculator.calculate(state.pricing, prior, request.tokensConsumed(), type, selfUse);

        Instant recordedAt = now();
        Instant occurredAt = request.occurredAt().orElse(recordedAt);
        LocalDate day = LocalDate.ofInstant(occurredAt, ZoneOffset.UTC);
        Long ordinal = counted ? state.countedUses : null;
        bindUse(h.createUpdate(insertUse), eventId, request, state.creatorId, type, occurredAt, day, recordedAt, ordinal,
                state.pricingVersion, result).execute();
        h.createUpdate(addToAggregate).bind(0, request.tokensConsumed()).bind(1, result.earnings().amount())
                .bind(2, Tables.utc(occurredAt)).bind(3, Tables.utc(occurredAt)).bind(4, modelId).execute();
        boolean newUser = h.createQuery(findDailyUser).bind(0, modelId).bind(1, day).bind(2, userId)
                .mapTo(Integer.class).findOne().isEmpty();
        if (newUser) {
            h.createUpdate(insertDailyUser).bind(0, modelId).bind(1, day).bind(2, userId).bind(3, state.creatorId).execute();
        }
        int earning = result.earns() ? 1 : 0;
        int updated = h.createUpdate(addToDay).bind(0, counted ? 1 : 0).bind(1, earning)
                .bind(2, request.tokensConsumed()).bind(3, result.earnings().amount()).bind(4, newUser ? 1 : 0)
                .bind(5, modelId).bind(6, day).execute();
        if (updated == 0) {
            h.createUpdate(insertDay).bind(0, modelId).bind(1, day).bind(2, state.creatorId).bind(3, counted ? 1 : 0)
                    .bind(4, earning).bind(5, request.tokensConsumed()).bind(6, result.earnings().amount()).execute();
        }
        return new RecordedUse(eventId, ordinal == null ? OptionalLong.empty() : OptionalLong.of(ordinal), modelId,
                state.creatorId, userId, occurredAt, recordedAt, state.pricingVersion, result, false);
    }

    // ---------------------------------------------------------------- batches

    /** The most uses one batch may hold. */
    public static final int MAX_BATCH = 10_000;
    private static final int IN_CHUNK = 500;

    /** A use of a batch that passed validation and waits to be written. */
    private record Pending(int index, UsageRequest request, UsageType type, String eventId) {
    }

    /**
     * Records many uses in one transaction: every use of the batch that passes validation is
     * written, or none is. The batch's models are locked in id order by one query, so concurrent
     * batches cannot deadlock, and each model's ordinals continue from its counted uses under that
     * lock; the usage rows, the aggregates, the new daily users and the daily rollups of every
     * model and day go in with one statement each.
     *
     * @param requests the uses, at most {@link #MAX_BATCH}
     * @return one item per use, in order
     */
    public BatchResult logUsageBatch(List<UsageRequest> requests) {
        if (requests == null || requests.size() > MAX_BATCH) {
            throw new InvalidInputException("requests", "requests is " + (requests == null ? "missing"
                    : requests.size() + " uses") + "; allowed: a list of up to " + MAX_BATCH + " uses");
        }
        // Assigned once, before the first attempt, so a retried transaction writes the same ids.
        String[] eventIds = new String[requests.size()];
        for (int i = 0; i < eventIds.length; i++) {
            UsageRequest request = requests.get(i);
            eventIds[i] = request == null ? null : request.eventId().orElseGet(() -> EventIds.next());
        }
        return logUsageBatch(requests, eventIds, false);
    }

    /**
     * Records a batch whose eventIds were assigned by the caller, once, before its first attempt:
     * the asynchronous recorder retries a group with the same ids, so a group whose commit was
     * lost in transit is answered as replays instead of being written twice.
     *
     * @param requests the uses
     * @param eventIds one per use: the host's eventId or one assigned for it
     * @param assigned whether library-assigned ids may already be recorded (a retry)
     * @return one item per use, in order
     */
    public BatchResult logUsageBatch(List<UsageRequest> requests, String[] eventIds, boolean assigned) {
        if (requests.isEmpty()) {
            return new BatchResult(List.of());
        }
        Map<Integer, BatchResult.Item> items;
        try {
            items = tx.inTransaction("recording a batch of " + requests.size() + " uses",
                    h -> writeBatch(h, requests, eventIds, assigned));
        } catch (StorageException e) {
            throw e.withEventIds(Arrays.asList(eventIds));
        }
        List<BatchResult.Item> ordered = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            ordered.add(items.get(i));
        }
        return new BatchResult(ordered);
    }

    private Map<String, StoredUse> findEvents(Handle h, Set<String> eventIds) {
        Map<String, StoredUse> found = new HashMap<>();
        List<String> ids = new ArrayList<>(eventIds);
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            h.createQuery(t.sql(USE_COLUMNS + " WHERE u.event_id = ANY(:ids)")).bindArray("ids", String.class, chunk)
                    .map(this::readUse).forEach(use -> found.put(use.use.eventId(), use));
        }
        return found;
    }

    private Map<Integer, BatchResult.Item> writeBatch(Handle h, List<UsageRequest> requests, String[] eventIds,
            boolean assigned) {
        Map<Integer, BatchResult.Item> items = new HashMap<>();
        // Replays are answered before the rules for new uses apply: an eventId is accepted once,
        // forever. Only host-given eventIds can have been recorded before, unless this is a retry.
        Set<String> lookup = new HashSet<>();
        for (int i = 0; i < requests.size(); i++) {
            UsageRequest request = requests.get(i);
            if (request != null && (assigned || request.eventId().isPresent())) {
                lookup.add(eventIds[i]);
            }
        }
        Map<String, StoredUse> existing = findEvents(h, lookup);
        Instant now = now();
        List<Pending> candidates = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            UsageRequest request = requests.get(i);
            try {
                requirePresent("request", request);
                StoredUse stored = existing.get(eventIds[i]);
                if (stored != null) {
                    items.put(i, replayItem(i, () -> replay(stored, request)));
                    continue;
                }
                calculator.requireTokens(request.tokensConsumed());
                UsageType type = calculator.usageTypes().resolve(request.usageType());
                request.occurredAt().ifPresent(at -> requireWithinWindow(at, now));
                candidates.add(new Pending(i, request, type, eventIds[i]));
            } catch (EarningsException e) {
                items.put(i, BatchResult.Item.failed(i, e));
            }
        }

        // Lock the batch's models with one query, in the database's order of model ids, so
        // concurrent batches take the locks in the same order and cannot deadlock; then read each
        // model's figures and pricing as they stand under the lock. A model that is not there is
        // not registered.
        // PostgreSQL sorts before it locks; H2 locks as its index lookup meets the rows, and it
        // looks the values of `= ANY` up in sorted order. Either way every batch locks in one order.
        List<String> modelIds = candidates.stream().map(p -> p.request.modelId()).distinct().collect(Collectors.toList());
        if (!modelIds.isEmpty()) {
            h.createQuery(lockModels).bindArray("ids", String.class, modelIds).mapTo(String.class).list();
        }
        Map<String, ModelState> states = new HashMap<>();
        if (!modelIds.isEmpty()) {
            h.createQuery(readModelsForBatch).bindArray("ids", String.class, modelIds)
                    .map((rs, ctx) -> states.put(rs.getString("model_id"), MODEL_STATE.map(rs, ctx))).list();
        }

        // A use is written, or is a repeat of an earlier valid use of the batch with the same
        // eventId; a use that was rejected does not claim its eventId, as with separate calls.
        Map<String, Pending> firstByEvent = new HashMap<>();
        List<Pending> repeats = new ArrayList<>();
        Map<String, List<Pending>> byModel = new TreeMap<>();
        for (Pending p : candidates) {
            if (!states.containsKey(p.request.modelId())) {
                items.put(p.index, BatchResult.Item.failed(p.index, new UnknownModelException(p.request.modelId())));
            } else if (firstByEvent.containsKey(p.eventId)) {
                repeats.add(p);
            } else {
                firstByEvent.put(p.eventId, p);
                byModel.computeIfAbsent(p.request.modelId(), m -> new ArrayList<>()).add(p);
            }
        }

        Instant recordedAt = now();
        Map<String, RecordedUse> recordedByEvent = new HashMap<>();
        UseRows rows = new UseRows();
        List<ModelTotals> models = new ArrayList<>();
        List<DayTotals> days = new ArrayList<>();
        for (Map.Entry<String, List<Pending>> entry : byModel.entrySet()) {
            String modelId = entry.getKey();
            ModelState state = states.get(modelId);
            String creatorId = state.creatorId;
            // The model's ordinals continue from its counted uses as they stand under the lock.
            long countedBefore = state.countedUses;
            ModelTotals totals = new ModelTotals(modelId);
            Map<LocalDate, DayTotals> perDay = new TreeMap<>();
            for (Pending p : entry.getValue()) {
                boolean selfUse = p.request.userId().equals(creatorId);
                boolean isCounted = calculator.counts(selfUse);
                EarningsResult result = calculator.calculate(state.pricing, countedBefore, p.request.tokensConsumed(),
                        p.type, selfUse);
                Long ordinal = isCounted ? ++countedBefore : null;
                Instant occurredAt = p.request.occurredAt().orElse(recordedAt);
                LocalDate day = LocalDate.ofInstant(occurredAt, ZoneOffset.UTC);
                rows.add(p.eventId, p.request, creatorId, p.type, occurredAt, day, recordedAt, ordinal,
                        state.pricingVersion, result);
                RecordedUse use = new RecordedUse(p.eventId, ordinal == null ? OptionalLong.empty() : OptionalLong.of(ordinal),
                        modelId, creatorId, p.request.userId(), occurredAt, recordedAt, state.pricingVersion, result, false);
                recordedByEvent.put(p.eventId, use);
                items.put(p.index, BatchResult.Item.of(p.index, use));
                totals.add(isCounted, result, occurredAt);
                perDay.computeIfAbsent(day, d -> new DayTotals(modelId, creatorId, d)).add(p.request.userId(), isCounted, result);
            }
            models.add(totals);
            days.addAll(perDay.values());
        }
        if (!rows.isEmpty()) {
            rows.insert(h, insertUses);
            addToModels(h, models);
            writeDays(h, days);
        }

        // Later uses of the batch that repeat an eventId are replays of the first (or conflicts).
        for (Pending p : repeats) {
            Pending first = firstByEvent.get(p.eventId);
            RecordedUse original = recordedByEvent.get(p.eventId);
            items.put(p.index, replayItem(p.index, () -> replay(new StoredUse(original, first.request.usageType(),
                    first.request.metadataJson()), p.request)));
        }
        return items;
    }

    /**
     * Writes the daily rows of a batch under its models' locks: the users new to each model-day
     * in one insert that reports which it added, then every model-day's rollup in one MERGE that
     * adds to the day's row or creates it.
     */
    private void writeDays(Handle h, List<DayTotals> days) {
        // One statement inserts the users new to each model-day and returns which model-days they
        // belong to; under the models' locks no other transaction can add the same users meanwhile.
        List<String> models = new ArrayList<>();
        List<String> dates = new ArrayList<>();
        List<String> users = new ArrayList<>();
        List<String> creators = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < days.size(); i++) {
            DayTotals day = days.get(i);
            index.put(dayKey(day.modelId, day.day), i);
            for (String user : day.users) {
                models.add(day.modelId);
                dates.add(day.day.toString());
                users.add(user);
                creators.add(day.creatorId);
            }
        }
        long[] added = new long[days.size()];
        h.createQuery(insertNewDailyUsers).bindArray("models", String.class, models).bindArray("days", String.class, dates)
                .bindArray("users", String.class, users).bindArray("creators", String.class, creators)
                .map((rs, ctx) -> added[index.get(dayKey(rs.getString(1), rs.getObject(2, LocalDate.class)))]++)
                .list();
        h.createUpdate(addToDays)
                .bindArray("models", String.class, column(days, d -> d.modelId))
                .bindArray("days", String.class, column(days, d -> d.day.toString()))
                .bindArray("creators", String.class, column(days, d -> d.creatorId))
                .bindArray("uses", String.class, column(days, d -> Long.toString(d.uses)))
                .bindArray("counted", String.class, column(days, d -> Long.toString(d.counted)))
                .bindArray("earning", String.class, column(days, d -> Long.toString(d.earning)))
                .bindArray("tokens", String.class, column(days, d -> Long.toString(d.tokens)))
                .bindArray("earnings", String.class, column(days, d -> d.earnings.toPlainString()))
                .bindArray("users", String.class, Arrays.stream(added).mapToObj(Long::toString).collect(Collectors.toList()))
                .execute();
    }

    /** Adds a batch's uses to each model's aggregate row, whose lock the batch holds: one statement. */
    private void addToModels(Handle h, List<ModelTotals> models) {
        h.createUpdate(addToModels)
                .bindArray("models", String.class, column(models, m -> m.modelId))
                .bindArray("uses", String.class, column(models, m -> Long.toString(m.uses)))
                .bindArray("counted", String.class, column(models, m -> Long.toString(m.counted)))
                .bindArray("tokens", String.class, column(models, m -> Long.toString(m.tokens)))
                .bindArray("earnings", String.class, column(models, m -> m.earnings.toPlainString()))
                .bindArray("lastUsed", String.class, column(models, m -> m.lastUsed.toString()))
                .execute();
    }

    /** One column of a batch statement: a value of each item, as text. */
    private static <T> List<String> column(List<T> items, java.util.function.Function<T, String> value) {
        List<String> values = new ArrayList<>(items.size());
        for (T item : items) {
            values.add(value.apply(item));
        }
        return values;
    }

    private static String dayKey(String modelId, LocalDate day) {
        return modelId + '\u0000' + day;
    }

    private static BatchResult.Item replayItem(int index, java.util.function.Supplier<RecordedUse> replay) {
        try {
            RecordedUse use = replay.get();
            return BatchResult.Item.of(index, use.replayed() ? use : withReplayed(use));
        } catch (IdempotencyConflictException e) {
            return BatchResult.Item.failed(index, e);
        }
    }

    private static RecordedUse withReplayed(RecordedUse use) {
        return new RecordedUse(use.eventId(), use.useOrdinal(), use.modelId(), use.creatorId(), use.userId(),
                use.occurredAt(), use.recordedAt(), use.pricingVersion(), use.result(), true);
    }

    /**
     * A batch's usage rows as one array per column, inserted by one statement; values travel as
     * strings (amounts as plain decimals) and are cast on the server.
     */
    private static final class UseRows {
        // Text without a length: an explicit cast to VARCHAR(n) would cut a longer value without a
        // word, where the insert into the column refuses it, as the one-use path does.
        static final String[] TYPES = {"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT",
            "VARCHAR", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "BOOLEAN", "DATE", "TIMESTAMP WITH TIME ZONE",
            "BIGINT", "BIGINT", "BOOLEAN", "INTEGER", "BIGINT", "NUMERIC(15, 12)", "NUMERIC(15, 12)", "INTEGER",
            "NUMERIC(38, 12)", "NUMERIC(38, 12)", "NUMERIC(38, 12)", "VARCHAR", "VARCHAR"};
        final List<List<String>> columns = new ArrayList<>();

        UseRows() {
            for (int i = 0; i < TYPES.length; i++) {
                columns.add(new ArrayList<>());
            }
        }

        void add(String eventId, UsageRequest request, String creatorId, UsageType type, Instant occurredAt,
                LocalDate day, Instant recordedAt, Long ordinal, int pricingVersion, EarningsResult result) {
            String[] row = {eventId, request.modelId(), creatorId, request.userId(), Long.toString(request.tokensConsumed()),
                type.name(), request.usageType(), occurredAt.toString(), Boolean.toString(request.occurredAt().isPresent()),
                day.toString(), recordedAt.toString(), ordinal == null ? null : ordinal.toString(),
                Long.toString(result.priorCountedUses()), Boolean.toString(result.selfUse()),
                Integer.toString(result.tier().index()), Long.toString(result.tier().fromPriorUses()),
                result.tier().multiplier().toPlainString(), type.multiplier().toPlainString(), Integer.toString(pricingVersion),
                result.tokenPart().amount().toPlainString(), result.base().amount().toPlainString(),
                result.earnings().amount().toPlainString(), result.reason().map(Enum::name).orElse(null),
                request.metadataJson().orElse(null)};
            for (int i = 0; i < row.length; i++) {
                columns.get(i).add(row[i]);
            }
        }

        boolean isEmpty() {
            return columns.get(0).isEmpty();
        }

        void insert(Handle h, String sql) {
            org.jdbi.v3.core.statement.Update insert = h.createUpdate(sql);
            for (int i = 0; i < TYPES.length; i++) {
                insert.bindArray("c" + i, String.class, columns.get(i));
            }
            insert.execute();
        }
    }

    /** One model's uses within a batch, coalesced into one change of its aggregate row. */
    private static final class ModelTotals {
        final String modelId;
        long uses;
        long counted;
        long tokens;
        BigDecimal earnings = BigDecimal.ZERO;
        Instant lastUsed;

        ModelTotals(String modelId) {
            this.modelId = modelId;
        }

        void add(boolean isCounted, EarningsResult result, Instant occurredAt) {
            uses++;
            counted += isCounted ? 1 : 0;
            tokens += result.tokensConsumed();
            earnings = earnings.add(result.earnings().amount());
            lastUsed = lastUsed == null || occurredAt.isAfter(lastUsed) ? occurredAt : lastUsed;
        }
    }

    /** One model's uses on one UTC day within a batch, coalesced into one rollup update. */
    private static final class DayTotals {
        final String modelId;
        final String creatorId;
        final LocalDate day;
        final Set<String> users = new LinkedHashSet<>();
        long uses;
        long counted;
        long earning;
        long tokens;
        BigDecimal earnings = BigDecimal.ZERO;

        DayTotals(String modelId, String creatorId, LocalDate day) {
            this.modelId = modelId;
            this.creatorId = creatorId;
            this.day = day;
        }

        void add(String userId, boolean isCounted, EarningsResult result) {
            users.add(userId);
            uses++;
            counted += isCounted ? 1 : 0;
            earning += result.earns() ? 1 : 0;
            tokens += result.tokensConsumed();
            earnings = earnings.add(result.earnings().amount());
        }
    }

    private static <S extends SqlStatement<S>> S bindUse(S statement, String eventId, UsageRequest request,
            String creatorId, UsageType type, Instant occurredAt, LocalDate day, Instant recordedAt, Long ordinal,
            int pricingVersion, EarningsResult result) {
        return statement.bind(0, eventId).bind(1, request.modelId()).bind(2, creatorId).bind(3, request.userId())
                .bind(4, request.tokensConsumed()).bind(5, type.name()).bind(6, request.usageType())
                .bind(7, Tables.utc(occurredAt)).bind(8, request.occurredAt().isPresent()).bind(9, day)
                .bind(10, Tables.utc(recordedAt)).bind(11, ordinal).bind(12, result.priorCountedUses())
                .bind(13, result.selfUse()).bind(14, result.tier().index()).bind(15, result.tier().fromPriorUses())
                .bind(16, result.tier().multiplier()).bind(17, type.multiplier()).bind(18, pricingVersion)
                .bind(19, result.tokenPart().amount()).bind(20, result.base().amount())
                .bind(21, result.earnings().amount()).bind(22, result.reason().map(Enum::name).orElse(null))
                .bind(23, request.metadataJson().orElse(null));
    }

    private static RecordedUse replay(StoredUse stored, UsageRequest request) {
        RecordedUse earlier = stored.use;
        String conflict = null;
        String detail = "";
        if (!earlier.modelId().equals(request.modelId())) {
            conflict = "modelId";
        } else if (!earlier.userId().equals(request.userId())) {
            conflict = "userId";
        } else if (earlier.result().tokensConsumed() != request.tokensConsumed()) {
            conflict = "tokensConsumed";
            detail = " (recorded " + earlier.result().tokensConsumed() + ", sent " + request.tokensConsumed() + ")";
        } else if (!stored.requestedType.equals(request.usageType())) {
            conflict = "usageType";
        } else if (!stored.metadata.equals(request.metadataJson())) {
            conflict = "metadata";
        } else if (request.occurredAt().isPresent() && !request.occurredAt().get().equals(earlier.occurredAt())) {
            conflict = "occurredAt";
            detail = " (recorded " + earlier.occurredAt() + ", sent " + request.occurredAt().get() + ")";
        }
        if (conflict != null) {
            throw new IdempotencyConflictException(earlier.eventId(), conflict, detail);
        }
        return earlier;
    }

    private StoredUse readUse(ResultSet rs, StatementContext ctx) throws SQLException {
        ModelPricing pricing = new ModelPricing(rs.getBigDecimal("earnings_per_use"), rs.getBigDecimal("earnings_per_token"),
                rs.getBoolean("monetized"));
        UsageType type = new UsageType(rs.getString("usage_type"), Checks.canonical(rs.getBigDecimal("type_multiplier")));
        UsageTier tier = new UsageTier(rs.getInt("tier_index"), rs.getLong("tier_threshold"),
                Checks.canonical(rs.getBigDecimal("tier_multiplier")));
        long ordinal = rs.getLong("use_ordinal");
        boolean counted = !rs.wasNull();
        String reason = rs.getString("reason");
        Currency currency = calculator.currency();
        EarningsResult result = new EarningsResult(pricing, rs.getLong("prior_counted_uses"), rs.getLong("tokens_consumed"),
                type, tier, rs.getBoolean("self_use"), counted, Money.of(currency, rs.getBigDecimal("token_part")),
                Money.of(currency, rs.getBigDecimal("base_amount")), Money.of(currency, rs.getBigDecimal("earnings")),
                Optional.ofNullable(reason).map(NoEarningsReason::valueOf));
        RecordedUse use = new RecordedUse(rs.getString("event_id"), counted ? OptionalLong.of(ordinal) : OptionalLong.empty(),
                rs.getString("model_id"), rs.getString("creator_id"), rs.getString("user_id"),
                Tables.instant(rs, "occurred_at"), Tables.instant(rs, "recorded_at"), rs.getInt("pricing_version"),
                result, true);
        return new StoredUse(use, rs.getString("requested_usage_type"), Optional.ofNullable(rs.getString("metadata")));
    }

    private void requireWithinWindow(Instant occurredAt, Instant now) {
        Instant earliest = now.minus(maxAge);
        Instant latest = now.plus(maxAhead);
        if (occurredAt.isBefore(earliest) || occurredAt.isAfter(latest)) {
            throw new InvalidInputException("occurredAt", "occurredAt is " + occurredAt + "; allowed: from " + earliest
                    + " to " + latest + " (" + maxAge.toDays() + " days back to " + maxAhead.toMinutes()
                    + " minutes ahead of now)");
        }
    }

    private static void requirePresent(String field, Object value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is missing; allowed: a value, not null");
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** A use read back for a replay, with the payload fields that are compared but not returned. */
    private record StoredUse(RecordedUse use, String requestedType, Optional<String> metadata) {
    }

    private static final org.jdbi.v3.core.mapper.RowMapper<ModelState> MODEL_STATE = (rs, ctx) -> new ModelState(
            rs.getLong("counted_uses"), rs.getString("creator_id"), rs.getInt("pricing_version"),
            new ModelPricing(rs.getBigDecimal("earnings_per_use"), rs.getBigDecimal("earnings_per_token"),
                    rs.getBoolean("monetized")));

    private record ModelState(long countedUses, String creatorId, int pricingVersion, ModelPricing pricing) {
    }
}
