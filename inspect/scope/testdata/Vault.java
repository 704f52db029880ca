package dev.tracevault.sample; // want: -

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A vault of sealed records. */ // want: -
public final class Vault<T extends Comparable<T>> { // want: class Vault
    private final List<T> items = new ArrayList<>(); // want: class Vault

    /** Creates an empty vault. */ // want: class Vault
    public Vault() { // want: constructor Vault.Vault
        super();
    } // want: constructor Vault.Vault

    @Override // want: method Vault.toString
    @SuppressWarnings("unchecked")
    public String toString() {
        return "Vault" + items; // want: method Vault.toString
    }

    public <R> List<R> map(Function<? super T, ? extends R> fn) { // want: method Vault.map
        List<R> out = new ArrayList<>();
        items.forEach(item -> { // want: method Vault.map
            out.add(fn.apply(item));
        });
        Runnable r = new Runnable() {
            @Override
            public void run() { // want: method Vault.map.run
                out.clear();
            }
        };
        return out; // want: method Vault.map
    }

    /** Entries are sealed records. */
    public record Entry(String id, long sealedAt) { // want: record Vault.Entry
        public Entry { // want: constructor Vault.Entry.Entry
            if (id == null) throw new IllegalArgumentException("id");
        }

        static Entry of(String id) { // want: method Vault.Entry.of
            return new Entry(id, 0L);
        }
    } // want: record Vault.Entry

    enum State { // want: enum Vault.State
        OPEN,
        SEALED; // want: enum Vault.State

        boolean writable() { // want: method Vault.State.writable
            return this == OPEN;
        }
    }

    interface Sink<E> { // want: interface Vault.Sink
        void put(E e) throws Exception; // want: interface Vault.Sink

        default void putAll(List<E> es) throws Exception { // want: method Vault.Sink.putAll
            for (E e : es) {
                put(e);
            }
        }
    }

    private static class Node<T> { // want: class Vault.Node
        T value;

        Node(T value) { // want: constructor Vault.Node.Node
            this.value = value;
        }
    }
} // want: class Vault

@interface Audited { // want: annotation Audited
    String value() default ""; // want: annotation Audited
}
