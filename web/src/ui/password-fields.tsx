// A new password and its repetition, with the hub's rule in words: sign-up, reset and the
// account page ask for passwords the same way.
import { TextInput } from './kit';

export const MIN_PASSWORD = 10;

export function passwordProblem(password: string, username = ''): string | null {
  if (password.length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (password === username) return 'The password cannot be the username.';
  return null;
}

export interface NewPassword {
  password: string;
  confirm: string;
}

// What is wrong with a new password and its repetition, by field.
export function newPasswordProblems(p: NewPassword, username = '') {
  return { password: passwordProblem(p.password, username), confirm: p.confirm === p.password ? null : 'The two passwords differ.' };
}

// A new password and its repetition, as sign-up and reset ask for them. A field's problem shows
// once something is typed in it, or for every field once `show` (after a first submit).
export function NewPasswordFields({ value, onChange, username, show, prefix = '' }: {
  value: NewPassword; onChange: (v: NewPassword) => void; username?: string; show: boolean; prefix?: string;
}) {
  const problems = newPasswordProblems(value, username);
  const label = prefix ? `${prefix} password` : 'Password';
  return (
    <>
      <TextInput label={label[0].toUpperCase() + label.slice(1)} type="password" value={value.password} onValue={(password) => onChange({ ...value, password })}
        autoComplete="new-password" required name={prefix ? `${prefix}_password` : 'password'} hint={`At least ${MIN_PASSWORD} characters; a passphrase of a few words works well.`}
        error={show || value.password ? problems.password : null} />
      <TextInput label={`Repeat the ${label.toLowerCase()}`} type="password" value={value.confirm} onValue={(confirm) => onChange({ ...value, confirm })}
        autoComplete="new-password" required name="confirm" error={show || value.confirm ? problems.confirm : null} />
    </>
  );
}
