// The console's API keys screen (admins): the tenant's REST API keys with
// their scopes, creation and revocation; a new key's token is shown once,
// in the dialog that created it, and kept nowhere.

import { useEffect, useMemo, useRef, useState } from "react";
import { ApiError, ApiKey, idempotencyKey, KeysClient, nameProblem, NewKey, ordered, Scopes, when } from "./apikeys";
import { Icon, IconName } from "./icons";
import { Dialog, Notice } from "./ui";

const icon = (name: IconName, size = 16) => <Icon name={name} size={size} />;
const icons = { plus: "plus", key: "key", alert: "alert", copy: "copy", check: "check" } as const;

// ApiKeysScreen lists the tenant's keys and lets an admin create and
// revoke them, with token as the bearer.
export function ApiKeysScreen({ token }: { token: string }) {
  const client = useMemo(() => new KeysClient(token), [token]);
  const [keys, setKeys] = useState<ApiKey[] | null>(null); // null: loading
  const [error, setError] = useState("");
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const load = async () => {
    setError("");
    try {
      setKeys(ordered(await client.list()));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setKeys((k) => k ?? []);
    }
  };
  useEffect(() => {
    setKeys(null);
    void load();
  }, [token]);

  const active = keys?.filter((k) => !k.revoked_at).length ?? 0;
  return (
    <div className="settings" role="region" aria-labelledby="apikeys-title">
      <div className="settings-inner">
        <div className="page-head">
          <div>
            <p className="crumb">Settings</p>
            <h1 id="apikeys-title">API keys</h1>
            <p className="lede">
              Keys let your back end and integrations call this workspace's REST API. Each key acts for the whole
              workspace with the permissions you give it, so keep keys as secret as passwords.
            </p>
          </div>
          <button className="btn primary" onClick={() => setCreating(true)}>{icon(icons.plus)}Create API key</button>
        </div>
        {error && keys !== null && keys.length > 0 && (
          <Notice kind="error">
            <p>{error}</p>
            <button className="btn sm" onClick={() => void load()}>Try again</button>
          </Notice>
        )}
        <div className="card keys-card" aria-busy={keys === null}>
          {keys === null ? (
            <Loading />
          ) : keys.length === 0 && error ? (
            <div className="state" role="alert">
              <div className="state-icon error">{icon(icons.alert, 22)}</div>
              <h2>The API keys could not be loaded</h2>
              <p>{error}</p>
              <button className="btn" onClick={() => void load()}>Try again</button>
            </div>
          ) : keys.length === 0 ? (
            <div className="state">
              <div className="state-icon">{icon(icons.key, 22)}</div>
              <h2>No API keys yet</h2>
              <p>Create a key to connect a back end or an integration to the REST API.</p>
              <button className="btn primary" onClick={() => setCreating(true)}>{icon(icons.plus)}Create API key</button>
            </div>
          ) : (
            <>
              <div className="card-head">
                <span>{active} active {active === 1 ? "key" : "keys"}{keys.length > active ? `, ${keys.length - active} revoked` : ""}</span>
              </div>
              <table className="keys">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Permissions</th>
                    <th scope="col">Created</th>
                    <th scope="col">Status</th>
                    <th scope="col"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr key={k.id} className={k.revoked_at ? "revoked" : undefined}>
                      <td>
                        <span className="key-name">{k.name}</span>
                        <code className="key-id">edk_{k.id}_…</code>
                      </td>
                      <td><span className="chips">{k.scopes.map((s) => <span key={s} className={`chip chip-${s}`}>{s}</span>)}</span></td>
                      <td><time dateTime={k.created_at} title={k.created_at}>{when(k.created_at)}</time></td>
                      <td>
                        {k.revoked_at ? (
                          <>
                            <span className="badge revoked">Revoked</span>
                            <time className="revoked-at" dateTime={k.revoked_at} title={k.revoked_at}>{when(k.revoked_at)}</time>
                          </>
                        ) : (
                          <span className="badge active">Active</span>
                        )}
                      </td>
                      <td className="actions">
                        {!k.revoked_at && (
                          <button className="btn sm quiet-danger" aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k)}>Revoke</button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
        <p className="hint foot">
          The REST API is described at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send a key as{" "}
          <code>Authorization: Bearer edk_…</code>.
        </p>
      </div>
      {creating && (
        <CreateDialog client={client} onCreated={() => void load()} onClose={() => setCreating(false)} />
      )}
      {revoking && (
        <RevokeDialog client={client} apiKey={revoking} onRevoked={() => void load()} onClose={() => setRevoking(null)} />
      )}
    </div>
  );
}

function Loading() {
  return (
    <div className="loading">
      <p role="status" className="sr-only">Loading API keys…</p>
      {[0, 1, 2].map((i) => (
        <div key={i} className="skeleton-row" aria-hidden="true">
          <span className="skeleton" style={{ width: "28%" }} />
          <span className="skeleton" style={{ width: "16%" }} />
          <span className="skeleton" style={{ width: "18%" }} />
          <span className="skeleton" style={{ width: "10%" }} />
        </div>
      ))}
    </div>
  );
}

// CreateDialog asks a name and the scopes, creates the key, then shows its
// token once.
function CreateDialog({ client, onCreated, onClose }: { client: KeysClient; onCreated: () => void; onClose: () => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const [error, setError] = useState("");
  const [nameError, setNameError] = useState("");
  const [scopesError, setScopesError] = useState("");
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<NewKey | null>(null);
  // One Idempotency-Key per submit; kept only when the edge may have made
  // the key without answering, so that submitting again does not make two.
  const pending = useRef<{ key: string; body: string } | null>(null);

  const submit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    const np = nameProblem(name);
    const sp = scopes.length === 0 ? "Choose at least one permission." : "";
    setNameError(np);
    setScopesError(sp);
    if (np || sp || busy) return;
    const body = JSON.stringify([name, scopes]);
    const key = pending.current?.body === body ? pending.current.key : idempotencyKey();
    pending.current = { key, body };
    setBusy(true);
    setError("");
    try {
      const k = await client.create(name, scopes, key);
      pending.current = null;
      setCreated(k);
      onCreated();
    } catch (err) {
      if (!(err instanceof ApiError && err.unsure)) pending.current = null;
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (s: string, on: boolean) => setScopes((xs) => Scopes.map((x) => x.id).filter((x) => (x === s ? on : xs.includes(x))));

  if (created) return <TokenDialog created={created} onClose={onClose} />;
  return (
    <Dialog label="create-key-title" onClose={onClose}>
      <form onSubmit={(ev) => void submit(ev)} noValidate aria-labelledby="create-key-title">
        <div className="dialog-head">
          <h2 id="create-key-title">Create API key</h2>
          <p>The key's token is shown once, right after you create it.</p>
        </div>
        <div className="dialog-body">
          {error && <Notice kind="error"><p>{error}</p></Notice>}
          <label className="field">
            <span>Name</span>
            <input className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={100}
              placeholder="e.g. Order sync" aria-invalid={nameError ? true : undefined} aria-describedby="key-name-hint" />
            {nameError ? <p className="field-error" id="key-name-hint" role="alert">{nameError}</p>
              : <p className="hint" id="key-name-hint">Say where the key is used, so that you know which one to revoke.</p>}
          </label>
          <fieldset className="field scopes">
            <legend>Permissions</legend>
            {Scopes.map((s) => (
              <label key={s.id} className="toggle">
                <input type="checkbox" className="sr-only" checked={scopes.includes(s.id)} onChange={(e) => toggle(s.id, e.target.checked)} />
                <span className="toggle-box" aria-hidden="true"><span className="toggle-knob" /></span>
                <span className="toggle-text"><strong>{s.title}</strong><span>{s.what}</span></span>
              </label>
            ))}
            {scopesError && <p className="field-error" role="alert">{scopesError}</p>}
          </fieldset>
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy}>
            {busy && <span className="spinner" aria-hidden="true" />}Create key
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// TokenDialog shows a new key's token, once: Escape does not close it, and
// nothing keeps the token after Done.
function TokenDialog({ created, onClose }: { created: NewKey; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  useEffect(() => copyButton.current?.focus(), []); // after the dialog opened (its effect runs first)
  const copy = async () => {
    field.current?.select();
    try {
      await navigator.clipboard.writeText(created.token);
    } catch {
      // no clipboard API (a page not served over HTTPS): the text is selected
      document.execCommand?.("copy");
    }
    setCopied(true);
  };
  return (
    <Dialog label="token-title" onClose={onClose} canEscape={false}>
      <div className="dialog-head">
        <h2 id="token-title">Save your API key</h2>
        <p>“{created.name}” was created with the {listed(created.scopes)} permission{created.scopes.length > 1 ? "s" : ""}.</p>
      </div>
      <div className="dialog-body">
        <Notice kind="warn">
          <p><strong>Copy the token now. It will not be shown again.</strong> Edgedesk keeps only a hash of it. If it is lost, revoke the key and create a new one.</p>
        </Notice>
        <label className="field">
          <span>Token</span>
          <span className="token-box">
            <textarea ref={field} className="input token" readOnly value={created.token} aria-label="The new key's token" rows={2}
              onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
            <button ref={copyButton} type="button" className="btn" onClick={() => void copy()} aria-label="Copy the token">
              {icon(copied ? icons.check : icons.copy)}{copied ? "Copied" : "Copy"}
            </button>
          </span>
        </label>
        <p className="hint" role="status">{copied ? "The token is on the clipboard." : ""}</p>
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn primary" onClick={onClose}>I have saved it</button>
      </div>
    </Dialog>
  );
}

// listed joins words as a sentence does: "read, write and admin".
function listed(words: string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

// RevokeDialog asks before revoking a key.
function RevokeDialog({ client, apiKey, onRevoked, onClose }: { client: KeysClient; apiKey: ApiKey; onRevoked: () => void; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const revoke = async () => {
    setBusy(true);
    setError("");
    try {
      await client.revoke(apiKey.id);
      onRevoked();
      onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <Dialog label="revoke-title" onClose={onClose}>
      <div className="dialog-head">
        <h2 id="revoke-title">Revoke “{apiKey.name}”?</h2>
        <p>Every request with this key is refused from now on, on every node of the region. This cannot be undone.</p>
      </div>
      <div className="dialog-body">
        {error && <Notice kind="error"><p>{error}</p></Notice>}
        <p className="revoke-what">
          <code className="key-id">edk_{apiKey.id}_…</code>
          <span className="chips">{apiKey.scopes.map((s) => <span key={s} className={`chip chip-${s}`}>{s}</span>)}</span>
        </p>
      </div>
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn danger" disabled={busy} onClick={() => void revoke()}>
          {busy && <span className="spinner" aria-hidden="true" />}Revoke key
        </button>
      </div>
    </Dialog>
  );
}

// apiKeysCss styles the screen, on the console's design tokens (design.ts).
export const apiKeysCss = `
.page-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; margin-bottom: 24px; }
.page-head h1 { margin: 2px 0 6px; font-size: 22px; }
.crumb { margin: 0; color: var(--muted); font-size: 13px; font-weight: 500; }
.lede { margin: 0; max-width: 600px; color: var(--muted); line-height: 1.5; }
.page-head .btn { margin-top: 20px; }
.keys-card { overflow: hidden; }
.card-head { padding: 12px 20px; border-bottom: 1px solid var(--border); color: var(--muted); font-size: 13px; font-weight: 500; }
table.keys { width: 100%; border-collapse: collapse; }
.keys th { padding: 10px 20px; text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; background: var(--subtle); border-bottom: 1px solid var(--border); }
.keys td { padding: 14px 20px; border-bottom: 1px solid var(--border); vertical-align: middle; }
.keys tr:last-child td { border-bottom: 0; }
.keys tbody tr:hover { background: var(--subtle); }
.key-name { display: block; font-weight: 600; }
.key-id { display: block; margin-top: 2px; font-family: var(--mono); font-size: 12px; color: var(--muted); }
.keys tr.revoked .key-name { color: var(--muted); }
.keys td:nth-child(n+2) { white-space: nowrap; }
.keys .chips { flex-wrap: nowrap; }
.revoked-at { display: block; margin: 2px 0 0 14px; color: var(--muted); font-size: 12px; }
.keys tr.revoked .chip { background: var(--subtle); color: var(--muted); }
.keys td.actions { text-align: right; width: 1%; white-space: nowrap; }
.chips { display: inline-flex; flex-wrap: wrap; gap: 4px; }
.loading { padding: 8px 0; }
.skeleton-row { display: flex; gap: 40px; padding: 16px 20px; }
.foot { margin-top: 14px; }
.foot a { color: var(--accent); }
.foot code, .notice code { font-family: var(--mono); font-size: 12px; }
.notice-body { flex: 1; display: flex; align-items: center; justify-content: space-between; gap: 12px; }
.scopes { border: 0; padding: 0; margin: 0 0 8px; gap: 8px; }
.scopes legend { padding: 0; margin-bottom: 8px; font-weight: 600; }
.toggle { display: flex; align-items: flex-start; gap: 12px; padding: 10px 12px; border: 1px solid var(--border); border-radius: var(--radius); cursor: pointer; }
.toggle:hover { border-color: var(--border-strong); }
.toggle:has(input:checked) { border-color: var(--accent); background: var(--accent-soft); }
.toggle-box { position: relative; flex: none; width: 34px; height: 20px; margin-top: 1px; border-radius: 10px; background: var(--border-strong); transition: background .15s; }
.toggle-knob { position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.25); transition: transform .15s; }
.toggle input:checked + .toggle-box { background: var(--accent); }
.toggle input:checked + .toggle-box .toggle-knob { transform: translateX(14px); }
.toggle-text { display: flex; flex-direction: column; gap: 2px; }
.toggle-text span { color: var(--muted); font-size: 13px; }
.field-error { margin: 0; color: var(--danger-text); font-size: 13px; }
.token-box { display: flex; gap: 8px; }
.input.token { height: auto; padding: 8px 10px; resize: none; font-family: var(--mono); font-size: 13px; line-height: 1.5;
  word-break: break-all; background: var(--subtle); }
.token-box .btn { flex: none; }
.revoke-what { display: flex; align-items: center; justify-content: space-between; gap: 12px; margin: 0 0 8px; padding: 10px 12px;
  border: 1px solid var(--border); border-radius: var(--radius); }
.revoke-what .key-id { margin: 0; }
`;
