package dev.earnings.spring;

import dev.earnings.jdbc.Earnings;

/**
 * Changes the {@link Earnings.Builder} of the auto-configured {@link Earnings} bean after the
 * {@code earnings.*} properties are applied, for the settings that are objects rather than
 * properties: the rating rules ({@code calculator}), metadata rules, encryption key sets, the
 * clock. Every customizer bean in the context is applied, in {@code @Order}; a host that needs
 * full control defines its own {@link Earnings} bean instead, and none of this applies.
 */
@FunctionalInterface
public interface EarningsBuilderCustomizer {
    /**
     * Customizes the builder before {@link Earnings.Builder#build()} is called.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(Earnings.Builder builder);
}
