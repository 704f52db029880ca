// Session store client. // want: -
import { EventEmitter } from "events";

export interface Session { // want: interface Session
  id: string; // want: interface Session
  model?: string;
  tokens: number;
} // want: interface Session

export type Filter<T> = (s: T) => boolean; // want: type Filter

export enum Mode { // want: enum Mode
  Local = "local",
  Remote = "remote", // want: enum Mode
}

const DEFAULT_LIMIT = 50; // want: -

function decorate(label: string) { // want: function decorate
  return function (target: unknown, key: string) { // want: function decorate
    void label;
  };
}

/** Store talks to the server. */ // want: -
@injectable() // want: class Store
export class Store<T extends Session> extends EventEmitter { // want: class Store
  private cache = new Map<string, T>(); // want: class Store

  @decorate("load") // want: method Store.onError
  onError = (err: Error): void => { // want: method Store.onError
    this.emit("error", err);
  }; // want: method Store.onError

  constructor(private readonly base: string) { // want: constructor Store.constructor
    super();
  }

  async get(id: string): Promise<T | undefined> { // want: method Store.get
    if (this.cache.has(id)) {
      return this.cache.get(id);
    }
    const res = await fetch(`${this.base}/sessions/${id}`);
    const parse = async (): Promise<T> => { // want: function Store.get.parse
      return (await res.json()) as T; // want: function Store.get.parse
    }; // want: function Store.get.parse
    return parse(); // want: method Store.get
  } // want: method Store.get

  *ids(): Generator<string> { // want: method Store.ids
    yield* this.cache.keys();
  }

  list(filter: Filter<T> = () => true): T[] { // want: method Store.list
    return [...this.cache.values()].filter((s) => { // want: method Store.list
      return filter(s); // want: method Store.list
    });
  }
} // want: class Store

export namespace Paths { // want: namespace Paths
  export function session(id: string): string { // want: function Paths.session
    return `/sessions/${id}`;
  }
} // want: namespace Paths

export const handlers = { // want: -
  created(s: Session) { // want: method handlers.created
    console.log(s.id);
  }, // want: method handlers.created
  deleted: (id: string) => { // want: method handlers.deleted
    console.log(id);
  },
}; // want: -

export default async function sync<T extends Session>( // want: function sync
  store: Store<T>,
  ids: string[],
): Promise<number> { // want: function sync
  let n = 0;
  for (const id of ids) {
    if (await store.get(id)) n++;
  }
  return n;
} // want: function sync

export abstract class Base { // want: class Base
  abstract run(): void; // want: class Base
}

declare module "tracevault" { // want: module tracevault
  export function version(): string; // want: module tracevault
}
