package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.internal.AuditLog;
import dev.earnings.jdbc.internal.Ledger;
import dev.earnings.jdbc.internal.ModelCatalog;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import dev.earnings.jdbc.internal.UsageWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The models whose uses earn: who created each and how it is priced.
 *
 * <p>Obtained from {@link Earnings#models()}. Pricing is versioned: a change applies to uses
 * recorded after it and never re-rates earlier uses, which keep the version they were rated with.
 * Its calls come from the host's backend, trusted like recording, and run in the library's own scope.
 *
 * <p>Every change is recorded in the audit log with its actor: the {@link Caller} given (an
 * admin, or a creator acting on their own models), or {@code service} for the forms without a
 * caller, which a host uses for its own work (registering its catalogue on start, say). A call
 * that changes nothing (registering a model again, the same pricing again) records nothing.
 */
public final class ModelRegistry {
    private final Transactor tx;
    private final ModelCatalog catalog;
    private final Ledger ledger;
    private final UsageWriter writer;
    private final Clock clock;
    private final AuditLog audit;

    ModelRegistry(Transactor tx, ModelCatalog catalog, Ledger ledger, UsageWriter writer, Clock clock, AuditLog audit) {
        this.tx = tx;
        this.audit = audit;
        this.catalog = catalog;
        this.ledger = ledger;
        this.writer = writer;
        this.clock = clock;
    }

    /**
     * Registers a model. Registering it again with the same creator returns it as it stands, with
     * its current pricing: the pricing given here is the first version only, so a host may register
     * its catalogue on every start without undoing a later {@link #changePricing change}.
     *
     * @param modelId the model, 1 to 128 characters, no control characters
     * @param creatorId the creator who earns from its uses
     * @param pricing the first pricing (version 1)
     * @return the registered model, as it stands now
     * @throws ModelConflictException if the id is registered to another creator
     * @throws InvalidInputException if an id is not allowed
     * @throws StorageException if the database fails
     */
    public Model register(String modelId, String creatorId, ModelPricing pricing) {
        return register(AuditLog.SERVICE, modelId, creatorId, pricing);
    }

    /**
     * Registers a model on behalf of a caller, recorded as the change's actor. Otherwise as
     * {@link #register(String, String, ModelPricing)}.
     *
     * @param caller an admin, or the creator registering a model of their own
     * @param modelId the model, 1 to 128 characters, no control characters
     * @param creatorId the creator who earns from its uses
     * @param pricing the first pricing (version 1)
     * @return the registered model, as it stands now
     * @throws AccessDeniedException if the caller is missing, or a creator registering a model for another creator
     * @throws ModelConflictException if the id is registered to another creator
     * @throws InvalidInputException if an id is not allowed
     * @throws StorageException if the database fails
     */
    public Model register(Caller caller, String modelId, String creatorId, ModelPricing pricing) {
        requireActor(caller, creatorId);
        return register(caller.id(), modelId, creatorId, pricing);
    }

    private Model register(String actor, String modelId, String creatorId, ModelPricing pricing) {
        Checks.requireId("modelId", modelId);
        Checks.requireId("creatorId", creatorId);
        requirePresent("pricing", pricing);
        return tx.inTransaction("registering model '" + modelId + "'", Scope.SERVICE, (h, attempt) -> {
            Instant now = now();
            ModelCatalog.Registered registered = catalog.register(h, modelId, creatorId, pricing, now);
            if (registered.created()) {
                // A creator's first model creates the creator's row, the lock their payouts take.
                ledger.openCreator(h, creatorId, now);
                writer.openModel(h, modelId, creatorId);
                audit.record(h, actor, AuditAction.MODEL_REGISTERED, "model", modelId, creatorId, null, null,
                        pricingValues(registered.model()));
            }
            return registered.model();
        });
    }

    /**
     * Gives a model a new pricing, effective for uses recorded after this call returns. Uses that
     * are being recorded at the same moment are rated with one pricing or the other, never a mix.
     *
     * @param modelId a registered model
     * @param pricing the new pricing, including the monetization switch
     * @return the model with its new pricing version; unchanged when the pricing is the same
     * @throws UnknownModelException if the model is not registered
     * @throws StorageException if the database fails
     */
    public Model changePricing(String modelId, ModelPricing pricing) {
        return changePricing(AuditLog.SERVICE, null, modelId, pricing);
    }

    /**
     * Changes a model's pricing on behalf of a caller, recorded as the change's actor. Otherwise
     * as {@link #changePricing(String, ModelPricing)}.
     *
     * @param caller an admin, or the model's creator
     * @param modelId a registered model
     * @param pricing the new pricing, including the monetization switch
     * @return the model with its new pricing version; unchanged when the pricing is the same
     * @throws AccessDeniedException if the caller is missing, or a creator and the model is not theirs
     * @throws UnknownModelException if the model is not registered
     * @throws StorageException if the database fails
     */
    public Model changePricing(Caller caller, String modelId, ModelPricing pricing) {
        requireActor(caller, null);
        return changePricing(caller.id(), caller, modelId, pricing);
    }

    private Model changePricing(String actor, @Nullable Caller caller, String modelId, ModelPricing pricing) {
        Checks.requireId("modelId", modelId);
        requirePresent("pricing", pricing);
        return reprice(actor, caller, AuditAction.PRICING_CHANGED, modelId, "changing the pricing of model '" + modelId + "'",
                current -> pricing);
    }

    /**
     * Switches a model's monetization, keeping its prices. Uses of a model that is not monetized
     * are recorded and advance its tier, but earn nothing (reason {@code NOT_MONETIZED}).
     *
     * @param modelId a registered model
     * @param monetized whether its uses earn from now on
     * @return the model with its new pricing version; unchanged when the switch already stood so
     * @throws UnknownModelException if the model is not registered
     * @throws StorageException if the database fails
     */
    public Model setMonetized(String modelId, boolean monetized) {
        return setMonetized(AuditLog.SERVICE, null, modelId, monetized);
    }

    /**
     * Switches a model's monetization on behalf of a caller, recorded as the change's actor.
     * Otherwise as {@link #setMonetized(String, boolean)}.
     *
     * @param caller an admin, or the model's creator
     * @param modelId a registered model
     * @param monetized whether its uses earn from now on
     * @return the model with its new pricing version; unchanged when the switch already stood so
     * @throws AccessDeniedException if the caller is missing, or a creator and the model is not theirs
     * @throws UnknownModelException if the model is not registered
     * @throws StorageException if the database fails
     */
    public Model setMonetized(Caller caller, String modelId, boolean monetized) {
        requireActor(caller, null);
        return setMonetized(caller.id(), caller, modelId, monetized);
    }

    private Model setMonetized(String actor, @Nullable Caller caller, String modelId, boolean monetized) {
        Checks.requireId("modelId", modelId);
        return reprice(actor, caller, AuditAction.MONETIZATION_SWITCHED, modelId, "switching monetization of model '"
                + modelId + "'", current -> current.withMonetized(monetized));
    }

    /**
     * Looks a model up.
     *
     * @param modelId the model
     * @return the model as it stands now, or empty when it is not registered
     * @throws StorageException if the database fails
     */
    public Optional<Model> find(String modelId) {
        Checks.requireId("modelId", modelId);
        return tx.inTransaction("reading model '" + modelId + "'", Scope.SERVICE, (h, attempt) -> catalog.find(h, modelId));
    }

    private Model reprice(String actor, @Nullable Caller caller, AuditAction action, String modelId, String what,
            UnaryOperator<ModelPricing> change) {
        return tx.inTransaction(what, Scope.SERVICE, (h, attempt) -> {
            // A creator may change only their own model; another's is answered as unknown, so the
            // answer does not tell whether it exists.
            if (caller instanceof Caller.Creator && !catalog.find(h, modelId).map(m -> m.creatorId().equals(caller.id()))
                    .orElse(false)) {
                throw new AccessDeniedException("a creator may change only their own models");
            }
            ModelCatalog.Repriced repriced = catalog.reprice(h, modelId, change, now())
                    .orElseThrow(() -> new UnknownModelException(modelId));
            if (repriced.changed()) {
                audit.record(h, actor, action, "model", modelId, repriced.after().creatorId(), null,
                        pricingValues(repriced.before()), pricingValues(repriced.after()));
            }
            return repriced.after();
        });
    }

    private static Map<String, Object> pricingValues(Model model) {
        return AuditLog.values("creatorId", model.creatorId(), "pricingVersion", model.pricingVersion(), "earningsPerUse",
                model.pricing().earningsPerUse(), "earningsPerToken", model.pricing().earningsPerToken(), "monetized",
                model.pricing().monetized());
    }

    /** A caller that may change the registry: an admin, or a creator acting for themselves. */
    private static void requireActor(Caller caller, @Nullable String creatorId) {
        if (caller == null) {
            throw new AccessDeniedException("a caller is required: Caller.creator(id) or Caller.admin(id)");
        }
        if (caller instanceof Caller.Creator && creatorId != null && !caller.id().equals(creatorId)) {
            throw new AccessDeniedException("a creator may register models only for themselves");
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static void requirePresent(String field, Object value) {
        if (value == null) {
            throw new InvalidInputException(field, field + " is missing; allowed: a value, not null");
        }
    }
}
