/** Runnable examples of the library's public API; each also runs as a test. */
@NullMarked
package dev.earnings.examples;

import org.jspecify.annotations.NullMarked;
