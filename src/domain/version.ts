/**
 * SQL Server's product versions as rpotop compares them: the major version, with 2008 R2 (10.50) kept
 * apart from 2008 (10.0) because only 2008 R2 is supported. 10.5 = 2008 R2, 11 = 2012, 12 = 2014,
 * 13 = 2016, 14 = 2017, 15 = 2019, 16 = 2022.
 */
export function majorVersion(productVersion: string): number {
  const [major = '0', minor = '0'] = productVersion.split('.');
  return Number(major) + (Number(major) === 10 && Number(minor) >= 50 ? 0.5 : 0);
}
