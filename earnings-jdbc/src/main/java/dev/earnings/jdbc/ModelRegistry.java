package dev.earnings.jdbc;

import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.core.internal.Checks;
import dev.earnings.jdbc.internal.Ledger;
import dev.earnings.jdbc.internal.ModelCatalog;
import dev.earnings.jdbc.internal.Scope;
import dev.earnings.jdbc.internal.Transactor;
import dev.earnings.jdbc.internal.UsageWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.UnaryOperator;
import java.util.Optional;

/**
 * The models whose uses earn: who created each and how it is priced.
 *
 * <p>Obtained from {@link Earnings#models()}. Pricing is versioned: a change applies to uses
 * recorded after it and never re-rates earlier uses, which keep the version they were rated with.
 * Its calls come from the host's backend, trusted like recording, and run in the library's own scope.
 */
public final class ModelRegistry {
    private final Transactor tx;
    private final ModelCatalog catalog;
    private final Ledger ledger;
    private final UsageWriter writer;
    private final Clock clock;

    ModelRegistry(Transactor tx, ModelCatalog catalog, Ledger ledger, UsageWriter writer, Clock clock) {
        this.tx = tx;
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
        Checks.requireId("modelId", modelId);
        requirePresent("pricing", pricing);
        return reprice(modelId, "changing the pricing of model '" + modelId + "'", current -> pricing);
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
        Checks.requireId("modelId", modelId);
        return reprice(modelId, "switching monetization of model '" + modelId + "'", current -> current.withMonetized(monetized));
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

    private Model reprice(String modelId, String what, UnaryOperator<ModelPricing> change) {
        return tx.inTransaction(what, Scope.SERVICE, (h, attempt) -> catalog.reprice(h, modelId, change, now()))
                .orElseThrow(() -> new UnknownModelException(modelId));
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
