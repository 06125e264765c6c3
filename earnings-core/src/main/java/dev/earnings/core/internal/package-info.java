/**
 * Implementation details shared between the library's modules. Not API: anything here may change
 * in any release.
 */
@NullMarked
package dev.earnings.core.internal;

import org.jspecify.annotations.NullMarked;
