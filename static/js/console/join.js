// Join a meet with its id, password and this table's location; later visits resume.

import { LiveClient } from "../live/client.js";
import { $, markReady, meetUrl, params, rememberMeet, savedMeets, showError, whileConnecting } from "./common.js";

const form = $("[data-join]");
form.meetId.value = params().get("meet") || "";
form.location.value = params().get("location") || "";

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const meetId = form.meetId.value.replace(/[\s-]/g, "");
  const where = form.location.value.trim();
  if (!/^\d{9}$/.test(meetId)) {
    showError("A meet id has 9 digits, e.g. 123 456 789.");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  const client = await LiveClient.open({ location: where });
  const connected = whileConnecting(client, button);
  try {
    const joined = await client.joinMeet({ meetId, password: form.password.value, locationName: where }).finally(connected);
    await client.flush();
    const name = client.state?.meet?.name;
    rememberMeet({ meetId: joined.meetId, location: where, name: typeof name === "string" ? name : "", displayKey: joined.displayKey });
    client.close();
    location.assign(meetUrl(joined.meetId, "", where));
  } catch (error) {
    client.close();
    const known = savedMeets().some((m) => m.meetId === meetId && m.location === where);
    showError(`${error.reason || error.message}${known ? " (this browser has the meet: open it from the console home)" : ""}`);
    button.disabled = false;
  }
});
markReady();
