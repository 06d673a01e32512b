// Teams (docs/tickets.md#teams) as the console shows them: by name, never
// by id; a "team" item in words; the list's team filter; members in a
// line; and what keeps a team from being saved. Free of the DOM, so unit
// tests drive it.

import type { Agent, Team } from "../protocol.gen";
import { agentName } from "./people";

export type { Team };

// teamName names a team by its id: its name, else (a team deleted since)
// "a removed team".
export function teamName(id: string, teams: Team[]): string {
  return teams.find((t) => t.id === id)?.name ?? "a removed team";
}

// byName sorts teams by name, as agents look for them.
export function byName(teams: Team[]): Team[] {
  return [...teams].sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }));
}

// teamText says what a "team" item did, by its actor: "You gave the
// conversation to Billing", "Bob took the conversation off its team";
// when the assignee was not of the team, that they gave it up.
export function teamText(it: { team?: string; unassigned?: boolean }, by: string, teams: Team[]): string {
  const base = it.team ? `${by} gave the conversation to ${teamName(it.team, teams)}` : `${by} took the conversation off its team`;
  return it.unassigned ? `${base}; its assignee, not of the team, gave it up` : base;
}

// TeamFilter is the list's team filter: "" any team or none, "none" no
// team, else a team's id.
export type TeamFilter = string;

// inTeam says whether a conversation shows under a team filter.
export function inTeam(c: { team?: string }, filter: TeamFilter): boolean {
  if (filter === "") return true;
  if (filter === "none") return !c.team;
  return c.team === filter;
}

// memberNames lists a team's members by name, sorted, the signed-in
// agent as "You" first.
export function memberNames(t: Pick<Team, "agents">, team: Map<string, Agent>, me = ""): string[] {
  const ids = t.agents ?? [];
  const named = ids.filter((id) => id !== me).map((id) => agentName(id, team)).sort((a, b) => a.localeCompare(b));
  return ids.includes(me) ? ["You", ...named] : named;
}

// membersLine says who is in a team in one line: "Alice, Bob and 3 more",
// "No members yet".
export function membersLine(names: string[], max = 3): string {
  if (names.length === 0) return "No members yet";
  if (names.length <= max) return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

// nameProblem says what keeps a team's name from being saved ("" when
// nothing): 1 to 100 characters, one line, no other team's name whatever
// its case.
export function nameProblem(name: string, teams: Team[], editing = ""): string {
  const n = name.trim();
  if (n === "") return "Give the team a name.";
  if (/[\r\n]/.test(n)) return "A team's name is one line.";
  if (Array.from(n).length > 100) return "A team's name is at most 100 characters.";
  const same = teams.find((t) => t.id !== editing && t.name.trim().toLowerCase() === n.toLowerCase());
  return same ? `There is a team called ${same.name} already.` : "";
}

// countText is how many members a team has: "1 member", "4 members".
export const countText = (n: number) => `${n} ${n === 1 ? "member" : "members"}`;
