import { autoscalingWarning } from '../../src/aws/autoscaling';

describe('autoscaling warning on /ecs scale', () => {
  it('warns when the count is outside the scalable target, naming the range', () => {
    expect(autoscalingWarning(12, { min: 2, max: 10 })!('en')).toContain("outside this service's autoscaling range (2–10)");
    expect(autoscalingWarning(1, { min: 2, max: 10 })!('en')).toContain('will move it back');
    expect(autoscalingWarning(12, { min: 2, max: 10 })!('ko')).toContain('2–10');
  });
  it('stays quiet inside the range or without autoscaling', () => {
    expect(autoscalingWarning(2, { min: 2, max: 10 })).toBeUndefined();
    expect(autoscalingWarning(10, { min: 2, max: 10 })).toBeUndefined();
    expect(autoscalingWarning(50, undefined)).toBeUndefined();
  });
});
