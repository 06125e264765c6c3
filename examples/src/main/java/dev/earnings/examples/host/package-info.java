/** An example host application: the library behind HTTP endpoints and a web dashboard. */
@NullMarked
package dev.earnings.examples.host;

import org.jspecify.annotations.NullMarked;
