// A real LiveClient that is offline: resumed from memory storage holding a saved session,
// its server address refusing connections (port 9), so it keeps every edit pending and
// takes server frames only through _frame, as a socket would hand them over.
import { LiveClient } from "../../static/js/live/client.js";
import { MemoryStore, emptyChanges } from "../../static/js/live/store.js";

export const MEET_ID = "123456789";

export async function offlineClient(location = "Table", storage = new MemoryStore()) {
  if (!(await storage.load()).session) {
    const saved = emptyChanges();
    saved.meta.set("session", { meetId: MEET_ID, token: "t", location, displayKey: "k" });
    await storage.commit(saved);
  }
  const client = await LiveClient.open({ url: "ws://127.0.0.1:9/ws", location, storage });
  await client.resume(MEET_ID);
  return { client, storage };
}
