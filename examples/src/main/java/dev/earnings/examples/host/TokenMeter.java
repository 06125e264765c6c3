package dev.earnings.examples.host;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Measures the tokens of a use from the text the host's backend handled, as a host must: a token
 * count sent by a client is the client's claim, and the library pays creators by it.
 *
 * <p>The demo counts with the {@code o200k_base} byte-pair encoding (jtokkit). A real host counts
 * with its model's own tokenizer, or takes the count its inference server reports, and never
 * from the request of the one who is billed or paid. Text that looks like a special token (such
 * as {@code <|endoftext|>}) is counted as ordinary text.
 */
final class TokenMeter {
    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /**
     * The tokens of a prompt and the model's response.
     *
     * @param prompt the prompt the model was given
     * @param response the response it produced, empty when it produced no text (an image)
     * @return the tokens of both
     */
    long tokens(String prompt, String response) {
        return (long) encoding.countTokensOrdinary(prompt) + encoding.countTokensOrdinary(response);
    }
}
