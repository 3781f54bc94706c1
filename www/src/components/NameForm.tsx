import { useState, type FormEvent } from "react";

/**
 * One text field and a button: creating a project or a file, renaming a file. Clears
 * itself only when `onSubmit` succeeds, so a rejected name can be corrected.
 */
export function NameForm({
  label,
  action,
  initial = "",
  onSubmit,
  onCancel,
}: {
  label: string;
  action: string;
  initial?: string;
  onSubmit: (name: string) => Promise<void>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(initial);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed === "" || busy) return;
    setBusy(true);
    try {
      await onSubmit(trimmed);
      setName("");
    } catch {
      // The caller has told the user; keep the text for another try.
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="name-form" onSubmit={submit}>
      <input aria-label={label} placeholder={label} value={name} onChange={(e) => setName(e.target.value)} autoFocus={initial !== ""} />
      <button type="submit" disabled={busy || name.trim() === ""}>
        {action}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}
