import { describe, expect, it } from 'vitest';
import { match } from './router';
import { withQuery } from './api';

describe('match', () => {
  it('binds parameters', () => {
    expect(match('/requests/:id', '/requests/42')).toEqual({ id: '42' });
    expect(match('/models/:id', '/models/eos%203')).toEqual({ id: 'eos 3' });
  });
  it('rejects other paths', () => {
    expect(match('/requests/:id', '/requests')).toBeNull();
    expect(match('/admin/users', '/admin/models')).toBeNull();
  });
});

describe('withQuery', () => {
  it('repeats list parameters and drops empty ones', () => {
    expect(withQuery('/api/work-requests', { model_ids: ['a', 'b'], limit: 5, user_id: undefined, q: '' }))
      .toBe('/api/work-requests?model_ids=a&model_ids=b&limit=5');
    expect(withQuery('/api/models')).toBe('/api/models');
  });
});
