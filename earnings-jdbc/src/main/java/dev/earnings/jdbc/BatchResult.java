package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a batch recorded, use by use, in the order the uses were given.
 *
 * <p>Each item holds either the recorded use (new, or the original record of a replayed eventId)
 * or the rejection of that one use; a rejected use does not stop the others. A batch that fails
 * as a whole (the database) throws instead, and then nothing of it was written.
 *
 * @param items one per use given, in order
 */
public record BatchResult(List<Item> items) {

    /**
     * Copies the list.
     *
     * @param items the items
     */
    public BatchResult {
        items = List.copyOf(items);
    }

    /**
     * The uses that were recorded by this batch, not replays and not rejections.
     *
     * @return how many new uses the batch wrote
     */
    public long recorded() {
        return items.stream().filter(i -> i.use().isPresent() && !i.use().get().replayed()).count();
    }

    /**
     * The uses that were rejected.
     *
     * @return how many
     */
    public long rejected() {
        return items.stream().filter(i -> i.error().isPresent()).count();
    }

    /**
     * One use's outcome.
     *
     * @param index its position in the batch, from 0
     * @param use the recorded use, when it was recorded or replayed
     * @param error why it was rejected, otherwise
     */
    public record Item(int index, Optional<RecordedUse> use, Optional<EarningsException> error) {

        /**
         * Checks that exactly one of use and error is present.
         *
         * @param index the position
         * @param use the use
         * @param error the error
         */
        public Item {
            Objects.requireNonNull(use, "use");
            Objects.requireNonNull(error, "error");
            if (use.isPresent() == error.isPresent()) {
                throw new IllegalArgumentException("an item holds a use or an error, not both or neither");
            }
        }

        /**
         * A recorded use.
         *
         * @param index the position
         * @param use the use
         * @return the item
         */
        public static Item of(int index, RecordedUse use) {
            return new Item(index, Optional.of(use), Optional.empty());
        }

        /**
         * A rejected use.
         *
         * @param index the position
         * @param error the rejection
         * @return the item
         */
        public static Item failed(int index, EarningsException error) {
            return new Item(index, Optional.empty(), Optional.of(error));
        }
    }
}
