// Landing page and console home: the meets this browser holds, to open again without a password.

import { $, displayMeetId, markReady, meetUrl, savedMeets } from "./common.js";

const section = $("[data-saved-meets]");
const list = $("[data-saved-list]");
const meets = savedMeets();
for (const meet of meets) {
  const item = document.createElement("li");
  const title = document.createElement("span");
  title.textContent = `${displayMeetId(meet.meetId)} · ${meet.name || "Unnamed meet"} · as ${meet.location}`;
  const open = document.createElement("a");
  open.className = "c-button c-secondary";
  open.href = meetUrl(meet.meetId, "", meet.location);
  open.textContent = "Open";
  item.append(title, open);
  list.append(item);
}
section.hidden = meets.length === 0;
markReady();
