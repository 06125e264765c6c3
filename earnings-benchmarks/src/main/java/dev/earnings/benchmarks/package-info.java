/** Benchmarks of the public API, reported in docs/benchmarks.md with the commands that run them. */
@NullMarked
package dev.earnings.benchmarks;

import org.jspecify.annotations.NullMarked;
