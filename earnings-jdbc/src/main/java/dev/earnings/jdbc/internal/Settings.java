package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.jdbc.AuditAction;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Currency;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Owner of {@code earnings_settings}: the deployment-wide values that must never change under
 * existing data (the currency) or must be the same for every instance (the pseudonym key).
 *
 * <p>A value is written once, by the first instance that starts; two instances starting at once
 * both try, one insert violates the primary key, and its retry reads the other's value.
 */
public final class Settings {
    private static final String CURRENCY = "currency";
    private static final String PSEUDONYM_KEY = "pseudonym_key";

    private final Transactor tx;
    private final AuditLog audit;

    /**
     * Creates the owner.
     *
     * @param tx the transaction runner
     * @param audit the audit log, where storing a setting is recorded
     */
    public Settings(Transactor tx, AuditLog audit) {
        this.tx = tx;
        this.audit = audit;
    }

    /**
     * Stores the deployment's currency on first start and refuses to run with another one, since
     * every stored amount is in it.
     *
     * @param currency the calculator's currency
     * @throws InvalidConfigurationException if the database holds amounts in another currency
     */
    public void requireCurrency(Currency currency) {
        String stored = tx.inTransaction("checking the stored currency", Scope.SERVICE, (h, attempt) -> valueOf(h, CURRENCY,
                currency.getCurrencyCode(), true));
        if (!stored.equals(currency.getCurrencyCode())) {
            throw new InvalidConfigurationException("currency", "the database holds amounts in " + stored
                    + " but the calculator is configured for " + currency.getCurrencyCode()
                    + "; allowed: the currency the database was created with, one per deployment");
        }
    }

    /**
     * The deployment's pseudonym key, created at random on first start.
     *
     * @return 32 bytes
     */
    public byte[] pseudonymKey() {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        String encoded = tx.inTransaction("reading the pseudonym key", Scope.SERVICE, (h, attempt) -> valueOf(h, PSEUDONYM_KEY,
                Base64.getEncoder().encodeToString(fresh), false));
        return Base64.getDecoder().decode(encoded);
    }

    /**
     * The stored value of a setting, after storing {@code initial} when there was none, which the
     * audit log records with the value when it is not a secret.
     */
    private String valueOf(Handle h, String name, String initial, boolean shown) {
        Optional<String> existing = h.createQuery("SELECT setting_value FROM <t>earnings_settings WHERE setting_name = :name")
                .bind("name", name).mapTo(String.class).findOne();
        if (existing.isPresent()) {
            return existing.get();
        }
        h.createUpdate("INSERT INTO <t>earnings_settings (setting_name, setting_value) VALUES (:name, :value)")
                .bind("name", name).bind("value", initial).execute();
        audit.record(h, AuditLog.SERVICE, AuditAction.SETTINGS_CHANGED, "setting", name, null, "first start", null,
                AuditLog.values("value", shown ? initial : "(secret, not shown)"));
        return initial;
    }
}
