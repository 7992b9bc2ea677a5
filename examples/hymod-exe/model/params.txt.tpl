# HYMOD parameters, rendered by tidepool for each trial (read by tidepool-hymod)
cmax = {{cmax}}
bexp = {{bexp}}
alpha = {{alpha}}
Ks = {{Ks}}
Kq = {{Kq}}
