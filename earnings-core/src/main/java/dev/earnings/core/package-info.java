/**
 * The pure earnings domain: exact money, model pricing, usage tiers and types, and the calculation
 * that rates one use. Nothing here does I/O or reads the clock, and the module has no runtime
 * dependencies, so hosts can use it anywhere and tests can check it exhaustively.
 *
 * <p>Every parameter and return value is non-null unless it is marked {@code @Nullable};
 * absence is expressed with {@link java.util.Optional}.
 */
@NullMarked
package dev.earnings.core;

import org.jspecify.annotations.NullMarked;
