package dev.earnings.jdbc.internal;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.ModelConflictException;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * Owner of {@code earnings_models} and {@code earnings_model_pricing}: who created each model and
 * every pricing it has had.
 *
 * <p>A model's row is also the lock that serializes everything that depends on its pricing and
 * figures: recording its uses ({@link #LOCKED_COLUMNS}) and changing its pricing ({@link #reprice})
 * both lock it first, in every thread and process. A use is therefore rated with the pricing in
 * force at the moment it takes its ordinal, and ordinals follow from the counters read under the
 * lock. Pricing versions never change once written, so they are cached for replays.
 */
public final class ModelCatalog {
    private static final String MODEL_COLUMNS = "SELECT model_id, creator_id, pricing_version, earnings_per_use,"
            + " earnings_per_token, monetized, registered_at, pricing_since FROM <t>earnings_models";

    /**
     * The model row mapped by hand on the write path: {@code ConstructorMapper} resolves every
     * parameter's type by reflection on each query, which cost a sixth of a single use's CPU time.
     */
    private static final RowMapper<Model> MODEL_ROW = (rs, ctx) -> new Model(rs.getString("model_id"),
            rs.getString("creator_id"), new ModelPricing(rs.getBigDecimal("earnings_per_use"),
                    rs.getBigDecimal("earnings_per_token"), rs.getBoolean("monetized")), rs.getInt("pricing_version"),
            rs.getObject("registered_at", OffsetDateTime.class).toInstant(),
            rs.getObject("pricing_since", OffsetDateTime.class).toInstant());

    /** Pricing versions are immutable: once read, a version is kept. Bounded by the catalogue's size. */
    private final Map<VersionKey, ModelPricing> versions = new ConcurrentHashMap<>();

    /** A row of {@code earnings_models}, mapped and bound by name. */
    public record ModelRow(String modelId, String creatorId, int pricingVersion, BigDecimal earningsPerUse,
            BigDecimal earningsPerToken, boolean monetized, Instant registeredAt, Instant pricingSince) {

        static ModelRow of(Model model) {
            ModelPricing p = model.pricing();
            return new ModelRow(model.modelId(), model.creatorId(), model.pricingVersion(), p.earningsPerUse(),
                    p.earningsPerToken(), p.monetized(), model.registeredAt(), model.pricingSince());
        }

        /**
         * The model this row describes.
         *
         * @return the model
         */
        public Model toModel() {
            return new Model(modelId, creatorId, new ModelPricing(earningsPerUse, earningsPerToken, monetized),
                    pricingVersion, registeredAt, pricingSince);
        }
    }

    /** A row of {@code earnings_model_pricing}, mapped and bound by name. */
    public record PricingRow(String modelId, int version, BigDecimal earningsPerUse, BigDecimal earningsPerToken,
            boolean monetized, Instant effectiveFrom) {

        ModelPricing pricing() {
            return new ModelPricing(earningsPerUse, earningsPerToken, monetized);
        }
    }

    private record VersionKey(String modelId, int version) {
    }

    /**
     * The outcome of a registration.
     *
     * @param model the model as it stands
     * @param created whether this call created it
     */
    public record Registered(Model model, boolean created) {
    }

    /**
     * Registers a model, or returns it as it stands when it is already registered to the same
     * creator. The pricing given applies to the first registration only: later changes go through
     * {@link #reprice}, so a host registering its catalogue on every start never undoes them.
     *
     * @param h the transaction
     * @param modelId the model
     * @param creatorId its creator
     * @param pricing its first pricing
     * @param now the registration time
     * @return the model and whether this call created it
     * @throws ModelConflictException if the model belongs to another creator
     */
    public Registered register(Handle h, String modelId, String creatorId, ModelPricing pricing, Instant now) {
        Optional<Model> existing = find(h, modelId);
        if (existing.isPresent()) {
            if (!existing.get().creatorId().equals(creatorId)) {
                throw new ModelConflictException("modelId '" + modelId + "' is already registered to another creator;"
                        + " allowed: one creator per model, registered once");
            }
            return new Registered(existing.get(), false);
        }
        Model model = new Model(modelId, creatorId, pricing, 1, now, now);
        h.createUpdate("INSERT INTO <t>earnings_models (model_id, creator_id, pricing_version, earnings_per_use,"
                + " earnings_per_token, monetized, registered_at, pricing_since) VALUES (:modelId, :creatorId,"
                + " :pricingVersion, :earningsPerUse, :earningsPerToken, :monetized, :registeredAt, :pricingSince)")
                .bindMethods(ModelRow.of(model)).execute();
        insertVersion(h, modelId, creatorId, 1, pricing, now);
        return new Registered(model, true);
    }

    /**
     * Gives a model a new pricing version under its lock, or leaves it when the pricing is the same.
     *
     * @param h the transaction
     * @param modelId the model
     * @param change the new pricing, from the current one (read under the lock, so a concurrent
     *     change is never undone)
     * @param now when the new version takes effect
     * @return the model as it stood and as it now stands, or empty when it is not registered
     */
    public Optional<Repriced> reprice(Handle h, String modelId, UnaryOperator<ModelPricing> change, Instant now) {
        Optional<Model> locked = h.createQuery(MODEL_COLUMNS + " WHERE model_id = :modelId FOR UPDATE")
                .bind("modelId", modelId).map(ConstructorMapper.of(ModelRow.class)).findOne().map(ModelRow::toModel);
        if (locked.isEmpty()) {
            return Optional.empty();
        }
        Model model = locked.get();
        ModelPricing pricing = change.apply(model.pricing());
        if (model.pricing().equals(pricing)) {
            return Optional.of(new Repriced(model, model));
        }
        Model changed = new Model(modelId, model.creatorId(), pricing, model.pricingVersion() + 1, model.registeredAt(), now);
        insertVersion(h, modelId, model.creatorId(), changed.pricingVersion(), pricing, now);
        h.createUpdate("UPDATE <t>earnings_models SET pricing_version = :pricingVersion, earnings_per_use = :earningsPerUse,"
                + " earnings_per_token = :earningsPerToken, monetized = :monetized, pricing_since = :pricingSince"
                + " WHERE model_id = :modelId").bindMethods(ModelRow.of(changed)).execute();
        return Optional.of(new Repriced(model, changed));
    }

    /**
     * A model before and after a pricing change; the same model twice when nothing changed.
     *
     * @param before the model as it stood
     * @param after the model as it now stands
     */
    public record Repriced(Model before, Model after) {
        /**
         * Whether a new pricing version was made.
         *
         * @return {@code true} when the pricing changed
         */
        public boolean changed() {
            return after.pricingVersion() != before.pricingVersion();
        }
    }

    /**
     * A model as it stands.
     *
     * @param h the handle
     * @param modelId the model
     * @return the model, or empty when it is not registered
     */
    public Optional<Model> find(Handle h, String modelId) {
        return h.createQuery(MODEL_COLUMNS + " WHERE model_id = :modelId").bind("modelId", modelId)
                .map(ConstructorMapper.of(ModelRow.class)).findOne().map(ModelRow::toModel);
    }

    /**
     * A creator's models, by id.
     *
     * @param h the handle
     * @param creatorId the creator
     * @return the models, sorted by id
     */
    public List<Model> ofCreator(Handle h, String creatorId) {
        return h.createQuery(MODEL_COLUMNS + " WHERE creator_id = :creatorId ORDER BY model_id").bind("creatorId", creatorId)
                .map(MODEL_ROW).list();
    }

    /**
     * The columns of a model as the write path reads them while it locks the model, from
     * {@code earnings_models m}; {@link #lockedModel} maps them. The write path locks a model's
     * row here together with its counters' row, in one statement, so it reads the pricing in force
     * and the counted uses of one moment.
     */
    static final String LOCKED_COLUMNS = "m.model_id, m.creator_id, m.pricing_version, m.earnings_per_use,"
            + " m.earnings_per_token, m.monetized, m.registered_at, m.pricing_since";

    /**
     * A model from the {@link #LOCKED_COLUMNS}.
     *
     * @param rs the row
     * @return the model
     * @throws SQLException if the driver fails
     */
    static Model lockedModel(ResultSet rs) throws SQLException {
        return MODEL_ROW.map(rs, null);
    }

    /**
     * The pricings of recorded uses, for answering replays: each (model, version) pair read once.
     *
     * @param h the handle
     * @param wanted the pairs as model id and version
     * @return the pricing of each pair found
     */
    public Map<Map.Entry<String, Integer>, ModelPricing> pricingVersions(Handle h, Collection<Map.Entry<String, Integer>> wanted) {
        Map<Map.Entry<String, Integer>, ModelPricing> found = new HashMap<>();
        List<String> models = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        for (Map.Entry<String, Integer> pair : wanted) {
            ModelPricing cached = versions.get(new VersionKey(pair.getKey(), pair.getValue()));
            if (cached != null) {
                found.put(pair, cached);
            } else {
                models.add(pair.getKey());
                numbers.add(pair.getValue());
            }
        }
        if (!models.isEmpty()) {
            h.createQuery("SELECT p.model_id, p.version, p.earnings_per_use, p.earnings_per_token, p.monetized,"
                    + " p.effective_from FROM <t>earnings_model_pricing p JOIN UNNEST(CAST(:models AS VARCHAR ARRAY),"
                    + " CAST(:versions AS INTEGER ARRAY)) AS w (model_id, version)"
                    + " ON p.model_id = w.model_id AND p.version = w.version")
                    .bindArray("models", String.class, models).bindArray("versions", Integer.class, numbers)
                    .map(ConstructorMapper.of(PricingRow.class))
                    .forEach(row -> {
                        versions.put(new VersionKey(row.modelId(), row.version()), row.pricing());
                        found.put(Map.entry(row.modelId(), row.version()), row.pricing());
                    });
        }
        return found;
    }

    /**
     * The creator of a model.
     *
     * @param h the handle
     * @param modelId the model
     * @return the creator, or empty when the model is not registered
     */
    public Optional<String> creatorOf(Handle h, String modelId) {
        return h.createQuery("SELECT creator_id FROM <t>earnings_models WHERE model_id = :modelId")
                .bind("modelId", modelId).mapTo(String.class).findOne();
    }

    /**
     * How many models were registered in {@code [from, to)}.
     *
     * @param h the handle
     * @param from the first instant
     * @param to the instant after the last
     * @return the count
     */
    public long registeredBetween(Handle h, Instant from, Instant to) {
        return h.createQuery("SELECT COUNT(*) FROM <t>earnings_models WHERE registered_at >= :from AND registered_at < :to")
                .bind("from", from).bind("to", to).mapTo(Long.class).one();
    }

    private void insertVersion(Handle h, String modelId, String creatorId, int version, ModelPricing pricing, Instant from) {
        h.createUpdate("INSERT INTO <t>earnings_model_pricing (model_id, creator_id, version, earnings_per_use,"
                + " earnings_per_token, monetized, effective_from) VALUES (:modelId, :creatorId, :version, :earningsPerUse,"
                + " :earningsPerToken, :monetized, :effectiveFrom)")
                .bindMethods(new PricingRow(modelId, version, pricing.earningsPerUse(), pricing.earningsPerToken(),
                        pricing.monetized(), from))
                .bind("creatorId", creatorId)
                .execute();
    }
}
