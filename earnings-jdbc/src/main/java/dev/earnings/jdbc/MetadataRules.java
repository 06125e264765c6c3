package dev.earnings.jdbc;

import dev.earnings.core.InvalidConfigurationException;
import java.text.Normalizer;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the library does to a use's metadata before it stores it, so that text users typed and
 * secrets a host passed by mistake do not sit in the usage log for as long as earnings are kept.
 *
 * <ul>
 *   <li><b>Prompt-like keys</b> (default {@code prompt}, {@code negative_prompt},
 *       {@code system_prompt}): wherever such a key appears, at any depth, every string in its
 *       value (the value itself, each string of an array, each string of a nested object) is cut
 *       to its first {@value #PROMPT_CODE_POINTS} Unicode code points.
 *   <li><b>Denied keys</b> (default {@code password}, {@code api_key}, {@code token},
 *       {@code secret}, {@code email}): metadata holding such a key at any depth is refused with
 *       an {@link dev.earnings.core.InvalidInputException} naming the key's path, and nothing is
 *       written. Refusing, rather than dropping the key quietly, tells the host about a leak in
 *       its own code.
 * </ul>
 *
 * <p>Keys are compared by their letters and digits only, in Unicode compatibility form (NFKC) and
 * ignoring case, so {@code negativePrompt}, {@code Negative-Prompt} and {@code NEGATIVE_PROMPT}
 * are all the prompt-like key {@code negative_prompt}, {@code apiKey} is the denied key
 * {@code api_key}, and neither a zero-width character nor full-width letters slip a key past.
 * Only whole keys match: {@code completion_tokens} is not the denied key {@code token}.
 *
 * <p>The rules apply when a use is recorded (by {@link Earnings#logModelUsage(UsageRequest)}, a
 * batch or a recorder), to the canonical metadata a {@link UsageRequest} holds; the stored form,
 * after the cut, may be at most 8,192 bytes of UTF-8. Replays compare that stored form. Changing
 * the rules does not change uses already stored.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class MetadataRules {
    /** Prompt-like strings are cut to this many Unicode code points. */
    public static final int PROMPT_CODE_POINTS = 100;

    /** The default prompt-like keys. */
    public static final Set<String> DEFAULT_PROMPT_KEYS = Set.of("prompt", "negative_prompt", "system_prompt");

    /** The default denied keys. */
    public static final Set<String> DEFAULT_DENIED_KEYS = Set.of("password", "api_key", "token", "secret", "email");

    private static final int MAX_KEY_CHARS = 128;

    private static final MetadataRules DEFAULTS = new MetadataRules(DEFAULT_PROMPT_KEYS, DEFAULT_DENIED_KEYS);

    /** Normalized key to the key as configured. */
    private final Map<String, String> promptKeys;
    private final Map<String, String> deniedKeys;

    private MetadataRules(Collection<String> promptKeys, Collection<String> deniedKeys) {
        this.promptKeys = normalizedKeys("promptKeys", promptKeys);
        this.deniedKeys = normalizedKeys("deniedKeys", deniedKeys);
        for (String key : this.promptKeys.keySet()) {
            if (this.deniedKeys.containsKey(key)) {
                throw new InvalidConfigurationException("metadataRules", "key '" + this.promptKeys.get(key)
                        + "' is both prompt-like and denied; allowed: each key in one of the two sets");
            }
        }
    }

    /**
     * The contract's rules: prompt-like keys {@code prompt}, {@code negative_prompt},
     * {@code system_prompt}; denied keys {@code password}, {@code api_key}, {@code token},
     * {@code secret}, {@code email}.
     *
     * @return the default rules
     */
    public static MetadataRules defaults() {
        return DEFAULTS;
    }

    /**
     * Rules with these key sets. To add to a default set, start from {@link #DEFAULT_PROMPT_KEYS}
     * or {@link #DEFAULT_DENIED_KEYS}.
     *
     * @param promptKeys the prompt-like keys, possibly empty
     * @param deniedKeys the denied keys, possibly empty
     * @return the rules
     * @throws InvalidConfigurationException if a key is blank, longer than 128 characters, made
     *     without a letter or digit, or in both sets
     */
    public static MetadataRules of(Collection<String> promptKeys, Collection<String> deniedKeys) {
        return new MetadataRules(promptKeys, deniedKeys);
    }

    /**
     * The prompt-like keys, as configured.
     *
     * @return an unmodifiable sorted set
     */
    public Set<String> promptKeys() {
        return Collections.unmodifiableSet(new TreeSet<>(promptKeys.values()));
    }

    /**
     * The denied keys, as configured.
     *
     * @return an unmodifiable sorted set
     */
    public Set<String> deniedKeys() {
        return Collections.unmodifiableSet(new TreeSet<>(deniedKeys.values()));
    }

    /**
     * Whether a metadata key is prompt-like under these rules.
     *
     * @param key a key as it appears in metadata
     * @return whether strings under it are cut
     */
    public boolean isPromptKey(String key) {
        return !promptKeys.isEmpty() && promptKeys.containsKey(normalize(key));
    }

    /**
     * Whether a metadata key is denied under these rules.
     *
     * @param key a key as it appears in metadata
     * @return whether metadata holding it is refused
     */
    public boolean isDeniedKey(String key) {
        return !deniedKeys.isEmpty() && deniedKeys.containsKey(normalize(key));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetadataRules && promptKeys.keySet().equals(((MetadataRules) o).promptKeys.keySet())
                && deniedKeys.keySet().equals(((MetadataRules) o).deniedKeys.keySet());
    }

    @Override
    public int hashCode() {
        return promptKeys.keySet().hashCode() * 31 + deniedKeys.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "MetadataRules[promptKeys=" + promptKeys() + ", deniedKeys=" + deniedKeys() + "]";
    }

    private static Map<String, String> normalizedKeys(String setting, Collection<String> keys) {
        if (keys == null) {
            throw new InvalidConfigurationException("metadataRules", setting + " is missing; allowed: a set of keys, possibly empty");
        }
        Map<String, String> normalized = new LinkedHashMap<>();
        for (String key : keys) {
            if (key == null || key.isBlank() || key.length() > MAX_KEY_CHARS || normalize(key).isEmpty()) {
                throw new InvalidConfigurationException("metadataRules", setting + " has the key "
                        + (key == null ? "null" : "'" + (key.length() > 40 ? key.substring(0, 40) + "..." : key) + "'")
                        + "; allowed: 1 to " + MAX_KEY_CHARS + " characters, with at least one letter or digit");
            }
            normalized.putIfAbsent(normalize(key), key);
        }
        return Map.copyOf(normalized);
    }

    /** The key's letters and digits, in compatibility form and case-folded. */
    private static String normalize(String key) {
        // Upper case first, then lower: a plain lower-casing leaves the dotless i (a Turkish-locale
        // host's "EMAIL".toLowerCase() is "emaıl") and similar letters apart from their pairs.
        String folded = Normalizer.normalize(key, Normalizer.Form.NFKC).toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(folded.length());
        folded.codePoints().filter(Character::isLetterOrDigit).forEach(out::appendCodePoint);
        return out.toString();
    }
}
