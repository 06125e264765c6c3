package dev.earnings.jdbc.internal;

import dev.earnings.core.EarningsCalculator;
import dev.earnings.core.EarningsException;
import dev.earnings.core.EarningsResult;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.Money;
import dev.earnings.core.NoEarningsReason;
import dev.earnings.core.UsageTier;
import dev.earnings.core.UsageType;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.BatchResult;
import dev.earnings.jdbc.EventType;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.MetadataRules;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.UnknownModelException;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.jdbc.internal.AtRest.StoredUser;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jspecify.annotations.Nullable;

/**
 * Owner of the usage rows ({@code model_usage_logs}), the per-model counters
 * ({@code model_creator_earnings}) and the daily rollups ({@code model_analytics},
 * {@code model_daily_users}): the one write path of the library.
 *
 * <p>One use, a batch, a group of concurrent calls and the asynchronous recorder all come here,
 * as a list of uses, and meet the same fixed set of statements:
 * <ol>
 *   <li>only when some eventId may already be recorded (a host-given one, or any on a retry):
 *       one look-up of those eventIds;
 *   <li>one statement that locks the uses' models in id order and reads their pricing and counted
 *       uses under the lock;
 *   <li>on PostgreSQL one statement that inserts the usage rows, changes the counters, inserts the
 *       users new to each model-day and changes the daily rollups; on H2, which has no
 *       data-modifying WITH queries, one statement for each of the four.
 * </ol>
 * A single use is a write of one: three round trips on PostgreSQL, with the commit (and the
 * transaction's first, which names its scope for row-level security).
 * Each model's ordinals continue from its counted uses as they stand under its lock, in the order
 * the uses are given, so they run 1, 2, 3, ... with no gap or repeat across threads and processes.
 *
 * <p>Replays are answered before the rules for new uses apply: an eventId is accepted once,
 * forever, even after its occurredAt has left the window. Every row carries the write token of the
 * call that wrote it: a retry that finds a row with its own token knows its earlier attempt
 * committed, and reports the use as written by itself, not as a replay.
 */
public final class UsageWriter {
    /** The most uses one write may hold. */
    public static final int MAX_USES = 10_000;
    /** The length of a quarter-hour rollup, in seconds. */
    public static final long SLOT_SECONDS = 900;
    private static final int LOOKUP_CHUNK = 500;


    private static final ArrayColumns<UseRow> USE_ROWS = new ArrayColumns<UseRow>("u_")
            .add("event_id", "VARCHAR", UseRow::eventId)
            .add("model_id", "VARCHAR", UseRow::modelId)
            .add("creator_id", "VARCHAR", UseRow::creatorId)
            .add("user_id", "VARCHAR", UseRow::userId)
            .add("user_token_key", "BIGINT", UseRow::userTokenKey)
            .add("tokens_consumed", "BIGINT", UseRow::tokensConsumed)
            .add("usage_type", "VARCHAR", UseRow::usageType)
            .add("requested_usage_type", "VARCHAR", UseRow::requestedUsageType)
            .add("occurred_at", "TIMESTAMP WITH TIME ZONE", UseRow::occurredAt)
            .add("occurred_at_given", "BOOLEAN", UseRow::occurredAtGiven)
            .add("usage_day", "DATE", UseRow::usageDay)
            .add("recorded_at", "TIMESTAMP WITH TIME ZONE", UseRow::recordedAt)
            .add("use_ordinal", "BIGINT", UseRow::useOrdinal)
            .add("prior_counted_uses", "BIGINT", UseRow::priorCountedUses)
            .add("self_use", "BOOLEAN", UseRow::selfUse)
            .add("tier_index", "INTEGER", UseRow::tierIndex)
            .add("tier_threshold", "BIGINT", UseRow::tierThreshold)
            .add("tier_multiplier", "NUMERIC(15, 12)", UseRow::tierMultiplier)
            .add("type_multiplier", "NUMERIC(15, 12)", UseRow::typeMultiplier)
            .add("pricing_version", "INTEGER", UseRow::pricingVersion)
            .add("token_part", "NUMERIC(38, 12)", UseRow::tokenPart)
            .add("base_amount", "NUMERIC(38, 12)", UseRow::baseAmount)
            .add("earnings", "NUMERIC(38, 12)", UseRow::earnings)
            .add("reason", "VARCHAR", UseRow::reason)
            .add("metadata", "VARCHAR", UseRow::metadata)
            .add("write_token", "BIGINT", UseRow::writeToken);

    private static final ArrayColumns<ModelTotals> MODEL_TOTALS = new ArrayColumns<ModelTotals>("m_")
            .add("model_id", "VARCHAR", t -> t.modelId)
            .add("creator_id", "VARCHAR", t -> t.creatorId)
            .add("total_uses", "BIGINT", t -> t.uses)
            .add("counted_uses", "BIGINT", t -> t.counted)
            .add("total_tokens", "BIGINT", t -> t.tokens)
            .add("lifetime_earnings", "NUMERIC(38, 12)", t -> t.earnings)
            .add("last_used_at", "TIMESTAMP WITH TIME ZONE", t -> t.lastUsed);

    private static final ArrayColumns<DayTotals> DAY_TOTALS = new ArrayColumns<DayTotals>("d_")
            .add("model_id", "VARCHAR", d -> d.modelId)
            .add("usage_day", "DATE", d -> d.day)
            .add("creator_id", "VARCHAR", d -> d.creatorId)
            .add("uses", "BIGINT", d -> d.uses)
            .add("counted_uses", "BIGINT", d -> d.counted)
            .add("earning_uses", "BIGINT", d -> d.earning)
            .add("tokens", "BIGINT", d -> d.tokens)
            .add("earnings", "NUMERIC(38, 12)", d -> d.earnings)
            .add("unique_users", "BIGINT", d -> d.newUsers);

    private static final ArrayColumns<SlotTotals> SLOT_TOTALS = new ArrayColumns<SlotTotals>("s_")
            .add("model_id", "VARCHAR", t -> t.modelId)
            .add("slot", "BIGINT", t -> t.slot)
            .add("usage_type", "VARCHAR", t -> t.usageType)
            .add("creator_id", "VARCHAR", t -> t.creatorId)
            .add("uses", "BIGINT", t -> t.uses)
            .add("counted_uses", "BIGINT", t -> t.counted)
            .add("earning_uses", "BIGINT", t -> t.earning)
            .add("tokens", "BIGINT", t -> t.tokens)
            .add("earnings", "NUMERIC(38, 12)", t -> t.earnings)
            .add("reversed", "NUMERIC(38, 12)", t -> BigDecimal.ZERO);

    private static final ArrayColumns<DailyUser> DAILY_USERS = new ArrayColumns<DailyUser>("n_")
            .add("model_id", "VARCHAR", DailyUser::modelId)
            .add("usage_day", "DATE", DailyUser::day)
            .add("user_id", "VARCHAR", DailyUser::userId)
            .add("creator_id", "VARCHAR", DailyUser::creatorId);

    private static final String INSERT_USES = "INSERT INTO <t>model_usage_logs (" + USE_ROWS.names() + ") SELECT * FROM "
            + USE_ROWS.unnest("v");

    private static final String FIND_USES = "SELECT " + USE_ROWS.names() + " FROM <t>model_usage_logs WHERE event_id = ANY(:ids)";

    private static final ArrayColumns<UseRow> EVENT_IDS = new ArrayColumns<UseRow>("e_")
            .add("event_id", "VARCHAR", UseRow::eventId)
            .add("occurred_at", "TIMESTAMP WITH TIME ZONE", UseRow::occurredAt);

    /** H2: the eventIds of the uses written, whose primary key keeps each recorded once. */
    private static final String INSERT_EVENT_IDS = "INSERT INTO <t>model_usage_events (" + EVENT_IDS.names()
            + ") SELECT * FROM " + EVENT_IDS.unnest("v");

    /**
     * The recorded uses among eventIds, found through the table of all eventIds, whose occurred_at
     * names the one month (partition, on PostgreSQL) that holds each use's row. An eventId that is
     * recorded but has no row is a use of an archived month.
     */
    private static final String LOOK_UP = "SELECT e.event_id AS recorded_event_id, " + USE_ROWS.names("u")
            + " FROM <t>model_usage_events e LEFT JOIN <t>model_usage_logs u ON u.event_id = e.event_id"
            + " AND u.occurred_at = e.occurred_at WHERE e.event_id = ANY(:ids)";

    /**
     * Locks the models in id order and reads each one's pricing and counted uses under the lock:
     * both rows of a model are locked, so what is read is their latest committed version on both
     * databases, and concurrent writes take their locks in one order and cannot deadlock.
     * PostgreSQL sorts before it locks; H2 locks as its index lookup meets the rows, in sorted order.
     */
    private static final String LOCK_AND_COUNT = "SELECT " + ModelCatalog.LOCKED_COLUMNS + ", a.counted_uses"
            + " FROM <t>earnings_models m JOIN <t>model_creator_earnings a ON a.model_id = m.model_id"
            + " WHERE m.model_id = ANY(:ids) AND a.model_id = ANY(:ids) ORDER BY m.model_id FOR UPDATE";

    private static final String ADD_TO_MODELS = "MERGE INTO <t>model_creator_earnings a USING (SELECT * FROM "
            + MODEL_TOTALS.unnest("v") + ") v ON a.model_id = v.model_id"
            + " WHEN MATCHED THEN UPDATE SET total_uses = a.total_uses + v.total_uses,"
            + " counted_uses = a.counted_uses + v.counted_uses, total_tokens = a.total_tokens + v.total_tokens,"
            + " lifetime_earnings = a.lifetime_earnings + v.lifetime_earnings,"
            + " last_used_at = CASE WHEN a.last_used_at IS NULL OR a.last_used_at < v.last_used_at THEN v.last_used_at"
            + " ELSE a.last_used_at END";

    private static final String NEW_DAILY_USERS = "INSERT INTO <t>model_daily_users (" + DAILY_USERS.names() + ")"
            + " SELECT " + DAILY_USERS.names("v") + " FROM " + DAILY_USERS.unnest("v") + " WHERE NOT EXISTS (SELECT 1"
            + " FROM <t>model_daily_users d WHERE d.model_id = v.model_id AND d.usage_day = v.usage_day"
            + " AND d.user_id = v.user_id)";

    private static final String ADD_TO_DAYS = "MERGE INTO <t>model_analytics d USING (SELECT * FROM "
            + DAY_TOTALS.unnest("v") + ") v ON d.model_id = v.model_id AND d.usage_day = v.usage_day"
            + " WHEN MATCHED THEN UPDATE SET uses = d.uses + v.uses, counted_uses = d.counted_uses + v.counted_uses,"
            + " earning_uses = d.earning_uses + v.earning_uses, tokens = d.tokens + v.tokens,"
            + " earnings = d.earnings + v.earnings, unique_users = d.unique_users + v.unique_users"
            + " WHEN NOT MATCHED THEN INSERT (" + DAY_TOTALS.names() + ") VALUES (" + DAY_TOTALS.names("v") + ")";

    private static final String SLOT_UPDATES = " uses = s.uses + v.uses, counted_uses = s.counted_uses + v.counted_uses,"
            + " earning_uses = s.earning_uses + v.earning_uses, tokens = s.tokens + v.tokens, earnings = s.earnings + v.earnings";

    private static final String ADD_TO_SLOTS = "MERGE INTO <t>model_usage_slots s USING (SELECT * FROM "
            + SLOT_TOTALS.unnest("v") + ") v ON s.model_id = v.model_id AND s.slot = v.slot AND s.usage_type = v.usage_type"
            + " WHEN MATCHED THEN UPDATE SET" + SLOT_UPDATES
            + " WHEN NOT MATCHED THEN INSERT (" + SLOT_TOTALS.names() + ") VALUES (" + SLOT_TOTALS.names("v") + ")";

    /**
     * PostgreSQL: the five writes as one statement (data-modifying WITH queries, which H2 lacks),
     * so a use costs three round trips: the lock, this, the commit (after the one naming the scope). The users new to a model-day
     * are counted from what their insert returned, within the statement; the rollup is added to
     * or created by {@code INSERT ... ON CONFLICT}, since PostgreSQL 15 takes no MERGE in a WITH.
     * Every table is reached through its key ({@code ON CONFLICT} on the primary key or unique
     * index), never by a join whose plan depends on table statistics or on how many uses the write
     * holds, so one plan serves every size of write: PostgreSQL keeps it after a few executions
     * instead of planning the statement again every time. The counters' rows exist from the
     * model's registration; {@code ON CONFLICT DO UPDATE} is only the keyed way to reach them.
     */
    private static final String WRITE_ALL = "WITH used AS (INSERT INTO <t>model_usage_logs (" + USE_ROWS.names()
            + ") SELECT * FROM " + USE_ROWS.unnest("v") + " RETURNING event_id, occurred_at),"
            + " ids AS (INSERT INTO <t>model_usage_events (event_id, occurred_at) SELECT event_id, occurred_at FROM used),"
            + " counted AS (INSERT INTO <t>model_creator_earnings AS a (" + MODEL_TOTALS.names() + ") SELECT * FROM "
            + MODEL_TOTALS.unnest("v") + " ON CONFLICT (model_id) DO UPDATE SET"
            + " total_uses = a.total_uses + EXCLUDED.total_uses, counted_uses = a.counted_uses + EXCLUDED.counted_uses,"
            + " total_tokens = a.total_tokens + EXCLUDED.total_tokens,"
            + " lifetime_earnings = a.lifetime_earnings + EXCLUDED.lifetime_earnings,"
            + " last_used_at = CASE WHEN a.last_used_at IS NULL OR a.last_used_at < EXCLUDED.last_used_at"
            + " THEN EXCLUDED.last_used_at ELSE a.last_used_at END),"
            + " slots AS (INSERT INTO <t>model_usage_slots AS s (" + SLOT_TOTALS.names() + ") SELECT * FROM "
            + SLOT_TOTALS.unnest("v") + " ON CONFLICT (model_id, slot, usage_type) DO UPDATE SET"
            + SLOT_UPDATES.replace("v.", "EXCLUDED.") + "),"
            + " new_users AS (INSERT INTO <t>model_daily_users (" + DAILY_USERS.names() + ") SELECT * FROM "
            + DAILY_USERS.unnest("v") + " ON CONFLICT (model_id, usage_day, user_id) DO NOTHING RETURNING model_id, usage_day),"
            + " new_per_day AS (SELECT model_id, usage_day, COUNT(*) AS users FROM new_users GROUP BY model_id, usage_day)"
            + " INSERT INTO <t>model_analytics AS d (" + DAY_TOTALS.names() + ") SELECT v.model_id, v.usage_day,"
            + " v.creator_id, v.uses, v.counted_uses, v.earning_uses, v.tokens, v.earnings, COALESCE(n.users, 0)"
            + " FROM " + DAY_TOTALS.unnest("v") + " LEFT JOIN new_per_day n ON n.model_id = v.model_id"
            + " AND n.usage_day = v.usage_day ON CONFLICT (model_id, usage_day) DO UPDATE SET uses = d.uses + EXCLUDED.uses,"
            + " counted_uses = d.counted_uses + EXCLUDED.counted_uses, earning_uses = d.earning_uses + EXCLUDED.earning_uses,"
            + " tokens = d.tokens + EXCLUDED.tokens, earnings = d.earnings + EXCLUDED.earnings,"
            + " unique_users = d.unique_users + EXCLUDED.unique_users";

    /**
     * Citus: the same writes, in the forms Citus runs. The eventIds' insert returns its rows
     * (an INSERT ... SELECT that returns nothing is sent to the shards with COPY, which their
     * row-level security refuses), and the day totals are read from a subquery (Citus mistyped
     * their columns when the array expansion was joined directly to the users' CTE).
     */
    private static final String WRITE_ALL_CITUS = WRITE_ALL
            .replace("SELECT event_id, occurred_at FROM used)", "SELECT event_id, occurred_at FROM used RETURNING event_id)")
            .replace(" FROM " + DAY_TOTALS.unnest("v") + " LEFT JOIN new_per_day n",
                    " FROM (SELECT * FROM " + DAY_TOTALS.unnest("d0") + " OFFSET 0) v LEFT JOIN new_per_day n");

    /**
     * Citus: one model's lock, as {@link #LOCK_AND_COUNT} takes several (Citus runs FOR UPDATE only
     * in a statement that reaches one shard): taken model by model, in id order.
     */
    private static final String LOCK_AND_COUNT_ONE = "SELECT " + ModelCatalog.LOCKED_COLUMNS + ", a.counted_uses"
            + " FROM <t>earnings_models m JOIN <t>model_creator_earnings a ON a.model_id = m.model_id"
            + " WHERE m.model_id = :id AND a.model_id = :id FOR UPDATE";

    /** Citus: the recorded eventIds among some, and where their rows are (its joins need the distribution column). */
    private static final String RECORDED_EVENT_IDS = "SELECT event_id, occurred_at FROM <t>model_usage_events"
            + " WHERE event_id = ANY(:ids)";

    /** Citus: the rows of recorded eventIds, by eventId and occurred_at. */
    private static final String FIND_RECORDED = "SELECT " + USE_ROWS.names() + " FROM <t>model_usage_logs"
            + " WHERE event_id = ANY(:ids) AND occurred_at = ANY(CAST(:times AS TIMESTAMP WITH TIME ZONE ARRAY))";

    private final ModelCatalog catalog;
    private final EarningsCalculator calculator;
    private final Currency currency;
    private final Clock clock;
    private final Duration maxAge;
    private final Duration maxAhead;
    private final Dialect dialect;
    private final String insertNewDailyUsers;
    private final MetadataRules metadataRules;
    private final AtRest atRest;
    private final Outbox outbox;

    /**
     * A use to write.
     *
     * @param request the use with its metadata as it will be stored, or {@code null} (a batch
     *     may hold one; it is then {@code rejected}, and its item fails)
     * @param eventId its eventId: the host's, or one the library assigned before the first attempt
     * @param assigned whether the library assigned the eventId (then only a retry can find it recorded)
     * @param rejected why the use is refused before any statement, or {@code null}
     * @param user the user id as it is stored (plain, or its token), or {@code null} when the use
     *     is missing or refused
     * @param metadata the metadata as it is stored (plain, or encrypted), or {@code null} when
     *     there is none or the use is missing or refused
     */
    public record Pending(@Nullable UsageRequest request, String eventId, boolean assigned,
            @Nullable EarningsException rejected, @Nullable StoredUser user, @Nullable String metadata) {

        /**
         * A use with the host's eventId, or a new library-assigned one, its metadata under the
         * deployment's rules, and its user id and metadata in their stored form: done once,
         * before the first attempt, so that every attempt writes the same bytes (a ciphertext is
         * different each time it is made) and a refused use costs no transaction.
         *
         * @param request the use, or {@code null} (then the pending use is rejected as missing)
         * @param rules the deployment's metadata rules
         * @param atRest what is stored of user ids and metadata
         * @return the pending use
         */
        public static Pending of(@Nullable UsageRequest request, MetadataRules rules, AtRest atRest) {
            if (request == null) {
                return new Pending(null, EventIds.next(), true, new InvalidInputException("request",
                        "request is missing; allowed: a UsageRequest"), null, null);
            }
            boolean assigned = request.eventId().isEmpty();
            String eventId = assigned ? EventIds.next() : request.eventId().get();
            try {
                UsageRequest storable = request;
                if (request.metadataJson().isPresent()) {
                    String stored = MetadataCodec.stored(request.metadataJson().get(), rules);
                    if (!request.metadataJson().get().equals(stored)) {
                        storable = new UsageRequest(request.userId(), request.modelId(), request.tokensConsumed(),
                                request.usageType(), Optional.ofNullable(stored), request.eventId(), request.occurredAt());
                    }
                }
                return new Pending(storable, eventId, assigned, null, atRest.user(storable.userId()),
                        atRest.metadata(storable.metadataJson().orElse(null), eventId));
            } catch (EarningsException e) {
                return new Pending(request, eventId, assigned, e, null, null);
            }
        }
    }

    /**
     * A row of {@code model_usage_logs}: the use with the full breakdown it was rated with. Both
     * the insert and the look-up for replays use it.
     */
    public record UseRow(String eventId, String modelId, String creatorId, String userId, Long userTokenKey,
            long tokensConsumed, String usageType, String requestedUsageType, Instant occurredAt, boolean occurredAtGiven,
            LocalDate usageDay, Instant recordedAt, Long useOrdinal, long priorCountedUses, boolean selfUse, int tierIndex,
            long tierThreshold, BigDecimal tierMultiplier, BigDecimal typeMultiplier, int pricingVersion, BigDecimal tokenPart,
            BigDecimal baseAmount, BigDecimal earnings, String reason, String metadata, Long writeToken) {

        /**
         * The recorded use as a replay reports it.
         *
         * @param plainUserId the user id to report: the request's, which the stored one (perhaps
         *     a token) was found to be
         */
        RecordedUse toUse(ModelPricing pricing, Currency currency, boolean replayed, String plainUserId) {
            UsageType type = new UsageType(usageType, Checks.canonical(typeMultiplier));
            UsageTier tier = new UsageTier(tierIndex, tierThreshold, Checks.canonical(tierMultiplier));
            EarningsResult result = new EarningsResult(pricing, priorCountedUses, tokensConsumed, type, tier, selfUse,
                    useOrdinal != null, Money.of(currency, tokenPart), Money.of(currency, baseAmount),
                    Money.of(currency, earnings), Optional.ofNullable(reason).map(NoEarningsReason::valueOf));
            return new RecordedUse(eventId, useOrdinal == null ? OptionalLong.empty() : OptionalLong.of(useOrdinal),
                    modelId, creatorId, plainUserId, occurredAt, recordedAt, pricingVersion, result, replayed);
        }
    }

    private record DailyUser(String modelId, LocalDate day, String userId, String creatorId) {
    }

    /**
     * Creates the writer.
     *
     * @param catalog the models and their pricing
     * @param calculator the rating rules
     * @param clock the clock for "now"
     * @param maxAge how far back a host-given occurredAt may lie
     * @param maxAhead how far ahead a host-given occurredAt may lie
     * @param dialect the database
     * @param metadataRules what is done to metadata before it is stored
     * @param atRest what is stored of user ids and metadata: as given, or tokens and ciphertext
     * @param outbox the events outbox, where tiers reached (and, when the host turns it on, every
     *     use) are reported in the write's transaction
     */
    public UsageWriter(ModelCatalog catalog, EarningsCalculator calculator, Clock clock, Duration maxAge,
            Duration maxAhead, Dialect dialect, MetadataRules metadataRules, AtRest atRest, Outbox outbox) {
        this.outbox = outbox;
        this.metadataRules = metadataRules;
        this.atRest = atRest;
        this.catalog = catalog;
        this.calculator = calculator;
        this.currency = calculator.currency();
        this.clock = clock;
        this.maxAge = maxAge;
        this.maxAhead = maxAhead;
        this.dialect = dialect;
        // H2 reads the rows an INSERT wrote from its data change delta table.
        this.insertNewDailyUsers = "SELECT model_id, usage_day FROM FINAL TABLE (" + NEW_DAILY_USERS + ")";
    }

    /**
     * Makes a use ready to write: its eventId fixed and its metadata as it will be stored.
     *
     * @param request the use, or {@code null}
     * @return the pending use
     */
    public Pending pending(@Nullable UsageRequest request) {
        return Pending.of(request, metadataRules, atRest);
    }

    /**
     * What a creator has earned, per creator: the sum of their models' lifetime earnings. The
     * balance expression ({@link Ledger}) is built on it.
     *
     * @param filter a {@code WHERE} clause on {@code creator_id}, or empty
     * @return SQL with the columns {@code creator_id, earned}
     */
    static String earnedByCreator(String filter) {
        return "SELECT creator_id, SUM(lifetime_earnings) AS earned FROM <t>model_creator_earnings" + filter
                + " GROUP BY creator_id";
    }

    /**
     * Opens a newly registered model's counters at zero.
     *
     * @param h the registration's transaction
     * @param modelId the model
     * @param creatorId its creator
     */
    public void openModel(Handle h, String modelId, String creatorId) {
        h.createUpdate("INSERT INTO <t>model_creator_earnings (model_id, creator_id, counted_uses, total_uses, total_tokens,"
                + " lifetime_earnings) VALUES (:model, :creator, 0, 0, 0, 0)").bind("model", modelId).bind("creator", creatorId)
                .execute();
    }

    /**
     * A recorded use, as stored.
     *
     * @param h the handle, whose scope decides which uses it sees
     * @param eventId the use's eventId
     * @return the use, or empty
     */
    public Optional<UseRow> findUse(Handle h, String eventId) {
        return h.createQuery(FIND_USES).bind("ids", ArrayColumns.textArray(new String[] {eventId}))
                .map(ConstructorMapper.of(UseRow.class)).findOne();
    }

    /**
     * Books a reversal of a model's use: lowers the model's lifetime earnings and adds to what
     * was reversed, in total, on the day and in the quarter hour the reversal was made (creating
     * that day's or quarter hour's rollup when the model has no use in it). The counter row it updates first is the model's
     * recording lock, so no use of the model is written meanwhile and the rollup cannot be
     * created twice.
     *
     * @param h the reversal's transaction
     * @param modelId the use's model
     * @param creatorId its creator
     * @param usageType the use's usage type, whose quarter-hour rollup the reversal lowers
     * @param at when the reversal was made: its UTC day and quarter hour are the ones it lowers
     * @param amount what was reversed, greater than zero
     */
    public void bookReversal(Handle h, String modelId, String creatorId, String usageType, Instant at, BigDecimal amount) {
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        h.createUpdate("UPDATE <t>model_creator_earnings SET lifetime_earnings = lifetime_earnings - :amount,"
                + " reversed_earnings = reversed_earnings + :amount WHERE model_id = :model")
                .bind("amount", amount).bind("model", modelId).execute();
        if (dialect.isPostgres()) {
            // INSERT ... ON CONFLICT rather than MERGE: Citus runs no MERGE on tables whose
            // policies call current_setting, and PostgreSQL takes either.
            h.createUpdate("INSERT INTO <t>model_analytics AS d (model_id, usage_day, creator_id, uses, counted_uses,"
                    + " earning_uses, tokens, earnings, unique_users, reversed) VALUES (:model, :day, :creator, 0, 0, 0, 0, 0,"
                    + " 0, :amount) ON CONFLICT (model_id, usage_day) DO UPDATE SET reversed = d.reversed + EXCLUDED.reversed")
                    .bind("model", modelId).bind("day", day).bind("amount", amount).bind("creator", creatorId).execute();
            h.createUpdate("INSERT INTO <t>model_usage_slots AS s (model_id, slot, usage_type, creator_id, uses, counted_uses,"
                    + " earning_uses, tokens, earnings, reversed) VALUES (:model, :slot, :type, :creator, 0, 0, 0, 0, 0, :amount)"
                    + " ON CONFLICT (model_id, slot, usage_type) DO UPDATE SET reversed = s.reversed + EXCLUDED.reversed")
                    .bind("model", modelId).bind("slot", slotOf(at)).bind("type", usageType).bind("amount", amount)
                    .bind("creator", creatorId).execute();
            return;
        }
        h.createUpdate("MERGE INTO <t>model_analytics d USING (SELECT CAST(:model AS VARCHAR(512)) AS model_id,"
                + " CAST(:day AS DATE) AS usage_day, CAST(:amount AS NUMERIC(38, 12)) AS reversed) v"
                + " ON d.model_id = v.model_id AND d.usage_day = v.usage_day"
                + " WHEN MATCHED THEN UPDATE SET reversed = d.reversed + v.reversed"
                + " WHEN NOT MATCHED THEN INSERT (model_id, usage_day, creator_id, uses, counted_uses, earning_uses, tokens,"
                + " earnings, unique_users, reversed) VALUES (v.model_id, v.usage_day, :creator, 0, 0, 0, 0, 0, 0, v.reversed)")
                .bind("model", modelId).bind("day", day).bind("amount", amount).bind("creator", creatorId).execute();
        h.createUpdate("MERGE INTO <t>model_usage_slots s USING (SELECT CAST(:model AS VARCHAR(512)) AS model_id,"
                + " CAST(:slot AS BIGINT) AS slot, CAST(:type AS VARCHAR(64)) AS usage_type,"
                + " CAST(:amount AS NUMERIC(38, 12)) AS reversed) v"
                + " ON s.model_id = v.model_id AND s.slot = v.slot AND s.usage_type = v.usage_type"
                + " WHEN MATCHED THEN UPDATE SET reversed = s.reversed + v.reversed"
                + " WHEN NOT MATCHED THEN INSERT (model_id, slot, usage_type, creator_id, uses, counted_uses, earning_uses,"
                + " tokens, earnings, reversed) VALUES (v.model_id, v.slot, v.usage_type, :creator, 0, 0, 0, 0, 0, v.reversed)")
                .bind("model", modelId).bind("slot", slotOf(at)).bind("type", usageType).bind("amount", amount)
                .bind("creator", creatorId).execute();
    }

    /**
     * Writes uses in the running transaction: every use that passes validation is written, or
     * none is (the transaction fails as a whole). A rejected use is reported in its item and does
     * not stop the others; a use whose eventId is recorded already is answered from the record.
     *
     * @param h the transaction
     * @param uses the uses, at most {@link #MAX_USES}
     * @param token the write token of the call, the same for all its attempts
     * @param attempt the attempt: from the second on, every eventId is looked up, since the
     *     previous attempt may have committed before its connection was lost
     * @param refusals the uses, by index, refused before the write, each with why: at least
     *     every {@linkplain #rejections rejection}, which the write does not check again. A
     *     refused use is answered as a replay when its eventId is recorded already or claimed
     *     earlier in this write (as a separate call after the first would be); otherwise it fails
     *     with its refusal, writing nothing
     * @return one item per use, in order
     */
    public List<BatchResult.Item> write(Handle h, List<Pending> uses, long token, int attempt,
            Map<Integer, ? extends EarningsException> refusals) {
        BatchResult.Item[] items = new BatchResult.Item[uses.size()];
        Set<String> archived = new HashSet<>();
        Map<String, UseRow> stored = lookUp(h, uses, attempt > 1, archived);
        Map<String, ModelPricing> storedPricing = pricingOf(h, stored.values());

        // Replays first, then the refusals of new uses: an eventId is accepted once, forever.
        Map<String, Integer> claimedBy = new HashMap<>();
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < uses.size(); i++) {
            Pending p = uses.get(i);
            try {
                if (p.rejected() != null) {
                    throw p.rejected();
                }
                if (archived.contains(p.eventId())) {
                    throw new InvalidInputException("eventId", "eventId was recorded in a month whose uses have"
                            + " been archived (exported and removed); it is not recorded again");
                }
                UseRow row = stored.get(p.eventId());
                if (row != null && !ours(row, token)) {
                    items[i] = BatchResult.Item.of(i, replay(row, storedPricing.get(key(row)), p, true));
                    continue;
                }
                // New, or written by an earlier attempt of this call (answered below as that
                // attempt decided); a refused use is not written, but may repeat a claimed eventId.
                valid.add(i);
            } catch (EarningsException e) {
                items[i] = BatchResult.Item.failed(i, e);
            }
        }

        // Lock the models, then give each eventId to its first use of a registered model; a
        // rejected use does not claim its eventId, as with separate calls. Later uses with a
        // claimed eventId are repeats, answered once the first is written.
        Set<String> modelIds = new java.util.TreeSet<>();
        for (int i : valid) {
            if (!refusals.containsKey(i) && !stored.containsKey(uses.get(i).eventId())) {
                modelIds.add(uses.get(i).request().modelId());
            }
        }
        Map<String, Model> models = new HashMap<>();
        Map<String, Long> counted = new HashMap<>();
        RowMapper<Long> locked = (rs, ctx) -> {
            Model model = ModelCatalog.lockedModel(rs);
            models.put(model.modelId(), model);
            return counted.put(model.modelId(), rs.getLong("counted_uses"));
        };
        if (dialect == Dialect.CITUS) {
            for (String modelId : modelIds) {
                h.createQuery(LOCK_AND_COUNT_ONE).bind("id", modelId).map(locked).list();
            }
        } else if (!modelIds.isEmpty()) {
            h.createQuery(LOCK_AND_COUNT).bind("ids", ArrayColumns.textArray(modelIds.toArray(new String[0])))
                    .map(locked).list();
        }
        Map<String, List<Integer>> byModel = new TreeMap<>();
        List<Integer> repeats = new ArrayList<>();
        for (int i : valid) {
            Pending p = uses.get(i);
            String modelId = p.request().modelId();
            EarningsException refusal = refusals.get(i);
            if (claimedBy.containsKey(p.eventId())) {
                // Answered as a separate call after the first would be: by the first use's record.
                repeats.add(i);
            } else if (refusal != null) {
                items[i] = BatchResult.Item.failed(i, refusal);
            } else if (stored.containsKey(p.eventId()) && stored.get(p.eventId()).modelId().equals(modelId)) {
                // Written by an earlier attempt of this call, whose commit was lost in transit, for
                // this use: the first use of the eventId that named a registered model and was not
                // refused, as here. Reported as written by it.
                claimedBy.put(p.eventId(), i);
                UseRow row = stored.get(p.eventId());
                try {
                    items[i] = BatchResult.Item.of(i, replay(row, storedPricing.get(key(row)), p, false));
                } catch (EarningsException e) {
                    items[i] = BatchResult.Item.failed(i, e);
                }
            } else if (!models.containsKey(modelId)) {
                items[i] = BatchResult.Item.failed(i, new UnknownModelException(modelId));
            } else {
                claimedBy.put(p.eventId(), i);
                byModel.computeIfAbsent(modelId, m -> new ArrayList<>()).add(i);
            }
        }

        Instant recordedAt = now();
        List<UseRow> rows = new ArrayList<>();
        List<ModelTotals> modelTotals = new ArrayList<>();
        Map<String, DayTotals> dayTotals = new LinkedHashMap<>();
        Map<String, SlotTotals> slotTotals = new LinkedHashMap<>();
        List<Outbox.NewEvent> events = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : byModel.entrySet()) {
            String modelId = entry.getKey();
            Model model = models.get(modelId);
            long countedBefore = counted.getOrDefault(modelId, 0L);
            ModelTotals totals = new ModelTotals(modelId, model.creatorId());
            for (int i : entry.getValue()) {
                Pending p = uses.get(i);
                UsageRequest request = p.request();
                // Self-use is decided on the plain id; what is stored may be its token.
                boolean selfUse = request.userId().equals(model.creatorId());
                boolean isCounted = calculator.counts(selfUse);
                UsageType type = calculator.usageTypes().resolve(request.usageType());
                EarningsResult result = calculator.calculate(model.pricing(), countedBefore, request.tokensConsumed(), type,
                        selfUse);
                Long ordinal = isCounted ? ++countedBefore : null;
                Instant occurredAt = request.occurredAt().orElse(recordedAt);
                LocalDate day = LocalDate.ofInstant(occurredAt, ZoneOffset.UTC);
                rows.add(new UseRow(p.eventId(), modelId, model.creatorId(), p.user().value(), p.user().key(),
                        request.tokensConsumed(), type.name(), request.usageType(), occurredAt,
                        request.occurredAt().isPresent(), day, recordedAt,
                        ordinal, result.priorCountedUses(), result.selfUse(), result.tier().index(),
                        result.tier().fromPriorUses(), result.tier().multiplier(), type.multiplier(),
                        model.pricingVersion(), result.tokenPart().amount(), result.base().amount(),
                        result.earnings().amount(), result.reason().map(Enum::name).orElse(null),
                        p.metadata(), token));
                RecordedUse use = new RecordedUse(p.eventId(), ordinal == null ? OptionalLong.empty()
                        : OptionalLong.of(ordinal), modelId, model.creatorId(), request.userId(), occurredAt, recordedAt,
                        model.pricingVersion(), result, false);
                items[i] = BatchResult.Item.of(i, use);
                events(events, use, type.name(), request.tokensConsumed());
                totals.add(isCounted, result, occurredAt);
                dayTotals.computeIfAbsent(modelId + '\u0000' + day, k -> new DayTotals(modelId, model.creatorId(), day))
                        .add(p.user().value(), isCounted, result);
                long slot = slotOf(occurredAt);
                slotTotals.computeIfAbsent(modelId + '\u0000' + slot + '\u0000' + type.name(),
                        k -> new SlotTotals(modelId, model.creatorId(), slot, type.name())).add(isCounted, result);
            }
            modelTotals.add(totals);
        }
        if (!rows.isEmpty()) {
            writeRows(h, rows, modelTotals, new ArrayList<>(dayTotals.values()), new ArrayList<>(slotTotals.values()));
            outbox.append(h, events);
        }

        for (int i : repeats) {
            int first = claimedBy.get(uses.get(i).eventId());
            items[i] = repeatOf(i, items[first].use().orElseThrow(), uses.get(first).request(), uses.get(i).request());
        }
        return List.of(items);
    }

    /**
     * The events of a use written now: the tier it is the first to reach, if any (a counted use
     * whose prior uses are exactly its tier's threshold, above the first tier), and the use itself
     * when the host turned that on.
     */
    private void events(List<Outbox.NewEvent> events, RecordedUse use, String usageType, long tokens) {
        EarningsResult result = use.result();
        if (outbox.useRecorded()) {
            Map<String, Object> payload = AuditLog.values("eventId", use.eventId(), "modelId", use.modelId(), "usageType",
                    usageType, "tokens", tokens, "occurredAt", use.occurredAt().toString());
            use.useOrdinal().ifPresent(ordinal -> payload.put("ordinal", ordinal));
            payload.putAll(AuditLog.values("tierIndex", result.tier().index(), "earnings", result.earnings().amount(),
                    "currency", currency.getCurrencyCode()));
            events.add(outbox.event(EventType.USE_RECORDED, use.creatorId(), payload));
        }
        if (use.useOrdinal().isPresent() && result.tier().index() > 1
                && result.priorCountedUses() == result.tier().fromPriorUses()) {
            events.add(outbox.event(EventType.TIER_REACHED, use.creatorId(), AuditLog.values("modelId", use.modelId(),
                    "tierIndex", result.tier().index(), "fromPriorUses", result.tier().fromPriorUses(), "multiplier",
                    result.tier().multiplier(), "ordinal", use.useOrdinal().getAsLong(), "eventId", use.eventId())));
        }
    }

    /**
     * The uses that break a rule checked without the database (tokens and the type's cap, usage
     * type, occurredAt window, the metadata rules), with what rejects each; a missing request is
     * one of them. Found once per call, before its first attempt, and given to
     * {@link #write}, which answers replays before it applies them.
     *
     * @param uses the uses of a write
     * @return the rejections, by index
     */
    public Map<Integer, EarningsException> rejections(List<Pending> uses) {
        Instant now = now();
        Map<Integer, EarningsException> rejected = new HashMap<>();
        for (int i = 0; i < uses.size(); i++) {
            Pending p = uses.get(i);
            try {
                if (p.rejected() != null) {
                    throw p.rejected();
                }
                check(p.request(), now);
            } catch (EarningsException e) {
                rejected.put(i, e);
            }
        }
        return rejected;
    }

    private void check(UsageRequest request, Instant now) {
        calculator.requireTokens(request.tokensConsumed());
        calculator.requireTokens(request.tokensConsumed(), calculator.usageTypes().resolve(request.usageType()));
        request.occurredAt().ifPresent(at -> requireWithinWindow(at, now));
    }

    /** The uses whose eventId may be recorded, by eventId: host-given ones, or every one on a retry. */
    private Map<String, UseRow> lookUp(Handle h, List<Pending> uses, boolean retry, Set<String> archived) {
        Set<String> ids = new LinkedHashSet<>();
        for (Pending p : uses) {
            if (retry || !p.assigned()) {
                ids.add(p.eventId());
            }
        }
        Map<String, UseRow> found = new HashMap<>();
        List<String> list = new ArrayList<>(ids);
        RowMapper<UseRow> rows = ConstructorMapper.of(UseRow.class);
        if (dialect == Dialect.CITUS) {
            for (int from = 0; from < list.size(); from += LOOKUP_CHUNK) {
                Map<String, Instant> recorded = new HashMap<>();
                h.createQuery(RECORDED_EVENT_IDS).bind("ids", ArrayColumns.textArray(list.subList(from,
                        Math.min(list.size(), from + LOOKUP_CHUNK)).toArray(new String[0])))
                        .map((rs, ctx) -> recorded.put(rs.getString(1), rs.getObject(2, java.time.OffsetDateTime.class)
                                .toInstant())).list();
                if (!recorded.isEmpty()) {
                    h.createQuery(FIND_RECORDED).bind("ids", ArrayColumns.textArray(recorded.keySet().toArray(new String[0])))
                            .bind("times", ArrayColumns.textArray(recorded.values().stream().map(Instant::toString)
                                    .toArray(String[]::new)))
                            .map(rows).forEach(row -> found.put(row.eventId(), row));
                    recorded.keySet().stream().filter(id -> !found.containsKey(id)).forEach(archived::add);
                }
            }
            return found;
        }
        for (int from = 0; from < list.size(); from += LOOKUP_CHUNK) {
            h.createQuery(LOOK_UP).bind("ids", ArrayColumns.textArray(list.subList(from, Math.min(list.size(),
                    from + LOOKUP_CHUNK)).toArray(new String[0])))
                    .map((rs, ctx) -> {
                        String eventId = rs.getString("recorded_event_id");
                        if (rs.getString("event_id") == null) {
                            archived.add(eventId);
                        } else {
                            found.put(eventId, rows.map(rs, ctx));
                        }
                        return eventId;
                    }).list();
        }
        return found;
    }

    private Map<String, ModelPricing> pricingOf(Handle h, java.util.Collection<UseRow> rows) {
        Set<Map.Entry<String, Integer>> wanted = new LinkedHashSet<>();
        for (UseRow row : rows) {
            wanted.add(Map.entry(row.modelId(), row.pricingVersion()));
        }
        Map<Map.Entry<String, Integer>, ModelPricing> versions = catalog.pricingVersions(h, wanted);
        Map<String, ModelPricing> byKey = new HashMap<>();
        versions.forEach((pair, pricing) -> byKey.put(pair.getKey() + '\u0000' + pair.getValue(), pricing));
        return byKey;
    }

    /** Whether a row was written by an earlier attempt of the call with this token. */
    private static boolean ours(UseRow row, long token) {
        return row.writeToken() != null && row.writeToken() == token;
    }

    private static String key(UseRow row) {
        return row.modelId() + '\u0000' + row.pricingVersion();
    }

    /**
     * Writes the rows of a write under its models' locks: the usage rows, the counters, the users
     * new to each model-day and the daily rollups. Under the locks no other transaction can add
     * the same users meanwhile.
     */
    private void writeRows(Handle h, List<UseRow> rows, List<ModelTotals> models, List<DayTotals> days,
            List<SlotTotals> slots) {
        List<DailyUser> users = new ArrayList<>();
        for (DayTotals day : days) {
            for (String user : day.users) {
                users.add(new DailyUser(day.modelId, day.day, user, day.creatorId));
            }
        }
        if (dialect.isPostgres()) {
            org.jdbi.v3.core.statement.Update all = h.createUpdate(dialect == Dialect.CITUS ? WRITE_ALL_CITUS : WRITE_ALL);
            USE_ROWS.bind(all, rows);
            MODEL_TOTALS.bind(all, models);
            SLOT_TOTALS.bind(all, slots);
            DAILY_USERS.bind(all, users);
            DAY_TOTALS.bind(all, days).execute();
            return;
        }
        USE_ROWS.bind(h.createUpdate(INSERT_USES), rows).execute();
        EVENT_IDS.bind(h.createUpdate(INSERT_EVENT_IDS), rows).execute();
        MODEL_TOTALS.bind(h.createUpdate(ADD_TO_MODELS), models).execute();
        SLOT_TOTALS.bind(h.createUpdate(ADD_TO_SLOTS), slots).execute();
        // The users new to each model-day, from the rows the insert reports, then every model-day's
        // rollup in one MERGE that adds to the day's row or creates it.
        Map<String, DayTotals> byKey = new HashMap<>();
        days.forEach(day -> byKey.put(day.modelId + '\u0000' + day.day, day));
        DAILY_USERS.bind(h.createQuery(insertNewDailyUsers), users)
                .map((rs, ctx) -> byKey.get(rs.getString("model_id") + '\u0000' + rs.getObject("usage_day", LocalDate.class))
                        .newUsers++)
                .list();
        DAY_TOTALS.bind(h.createUpdate(ADD_TO_DAYS), days).execute();
    }

    private BatchResult.Item repeatOf(int index, RecordedUse first, UsageRequest firstRequest, UsageRequest request) {
        String conflict = conflict(first, firstRequest.usageType(), firstRequest.metadataJson(), request);
        if (conflict != null) {
            return BatchResult.Item.failed(index, conflictOf(first, conflict, request));
        }
        return BatchResult.Item.of(index, withReplayed(first));
    }

    private RecordedUse replay(UseRow row, ModelPricing pricing, Pending p, boolean replayed) {
        UsageRequest request = p.request();
        // The request's user id is reported: the stored one is the same user, or there is a conflict.
        RecordedUse earlier = row.toUse(pricing, currency, replayed, request.userId());
        String conflict = conflict(row, p);
        if (conflict != null) {
            throw conflictOf(earlier, conflict, request);
        }
        return earlier;
    }

    /**
     * The first field in which a request differs from a stored use. The stored user id and
     * metadata may be a token and a ciphertext: the user is compared as a token under the key
     * that made the stored one, the metadata after decrypting, and only when the fields before
     * them agree.
     */
    private String conflict(UseRow row, Pending p) {
        UsageRequest request = p.request();
        return conflict(row.modelId(), () -> atRest.sameUser(row.eventId(), row.userId(), row.userTokenKey(),
                request.userId(), p.user()), row.tokensConsumed(), row.requestedUsageType(),
                () -> atRest.sameMetadata(row.eventId(), row.metadata(), request.metadataJson().orElse(null), p.metadata()),
                row.occurredAt(), request);
    }

    private static String conflict(RecordedUse use, String requestedType, Optional<String> metadata, UsageRequest request) {
        return conflict(use.modelId(), () -> use.userId().equals(request.userId()), use.result().tokensConsumed(),
                requestedType, () -> metadata.equals(request.metadataJson()), use.occurredAt(), request);
    }

    /** The first payload field of a replay that differs from the recorded use, or {@code null}. */
    private static String conflict(String modelId, BooleanSupplier sameUser, long tokens, String requestedType,
            BooleanSupplier sameMetadata, Instant occurredAt, UsageRequest request) {
        if (!modelId.equals(request.modelId())) {
            return "modelId";
        } else if (!sameUser.getAsBoolean()) {
            return "userId";
        } else if (tokens != request.tokensConsumed()) {
            return "tokensConsumed";
        } else if (!requestedType.equals(request.usageType())) {
            return "usageType";
        } else if (!sameMetadata.getAsBoolean()) {
            return "metadata";
        } else if (request.occurredAt().isPresent() && !request.occurredAt().get().equals(occurredAt)) {
            return "occurredAt";
        }
        return null;
    }

    private static IdempotencyConflictException conflictOf(RecordedUse earlier, String field, UsageRequest request) {
        String detail = "";
        if (field.equals("tokensConsumed")) {
            detail = " (recorded " + earlier.result().tokensConsumed() + ", sent " + request.tokensConsumed() + ")";
        } else if (field.equals("occurredAt")) {
            detail = " (recorded " + earlier.occurredAt() + ", sent " + request.occurredAt().orElseThrow() + ")";
        }
        return new IdempotencyConflictException(earlier.eventId(), field, detail);
    }

    private static RecordedUse withReplayed(RecordedUse use) {
        return new RecordedUse(use.eventId(), use.useOrdinal(), use.modelId(), use.creatorId(), use.userId(),
                use.occurredAt(), use.recordedAt(), use.pricingVersion(), use.result(), true);
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

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** One model's uses within a write, coalesced into one change of its counters. */
    private static final class ModelTotals {
        final String modelId;
        final String creatorId;
        long uses;
        long counted;
        long tokens;
        BigDecimal earnings = BigDecimal.ZERO;
        Instant lastUsed;

        ModelTotals(String modelId, String creatorId) {
            this.modelId = modelId;
            this.creatorId = creatorId;
        }

        void add(boolean isCounted, EarningsResult result, Instant occurredAt) {
            uses++;
            counted += isCounted ? 1 : 0;
            tokens += result.tokensConsumed();
            earnings = earnings.add(result.earnings().amount());
            lastUsed = lastUsed == null || occurredAt.isAfter(lastUsed) ? occurredAt : lastUsed;
        }
    }

    /** One model's uses on one UTC day within a write, coalesced into one rollup change. */
    private static final class DayTotals {
        final String modelId;
        final String creatorId;
        final LocalDate day;
        final Set<String> users = new LinkedHashSet<>();
        long uses;
        long counted;
        long earning;
        long tokens;
        long newUsers;
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

    /** One model's uses of one usage type in one UTC quarter hour within a write, coalesced into one rollup change. */
    private static final class SlotTotals {
        final String modelId;
        final String creatorId;
        final long slot;
        final String usageType;
        long uses;
        long counted;
        long earning;
        long tokens;
        BigDecimal earnings = BigDecimal.ZERO;

        SlotTotals(String modelId, String creatorId, long slot, String usageType) {
            this.modelId = modelId;
            this.creatorId = creatorId;
            this.slot = slot;
            this.usageType = usageType;
        }

        void add(boolean isCounted, EarningsResult result) {
            uses++;
            counted += isCounted ? 1 : 0;
            earning += result.earns() ? 1 : 0;
            tokens += result.tokensConsumed();
            earnings = earnings.add(result.earnings().amount());
        }
    }

    /**
     * The UTC quarter hour an instant falls in: its number since the epoch, as
     * {@code model_usage_slots.slot} keeps it.
     *
     * @param instant a time
     * @return the quarter hour's number
     */
    public static long slotOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), SLOT_SECONDS);
    }

    /**
     * The start of a quarter hour.
     *
     * @param slot its number
     * @return when it starts
     */
    public static Instant slotStart(long slot) {
        return Instant.ofEpochSecond(slot * SLOT_SECONDS);
    }
}
